#pragma once
// Go's number and string spellings (strconv.FormatFloat, strconv.Quote), which Prometheus'
// templates and promtool print: hawatch must print the same bytes.

#include <string>
#include <string_view>

#include "gotext/go_text.h"

namespace hawatch::tmpl {

// strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g', 'G'; prec -1 is the shortest
// spelling that reads back to v. NaN and infinities as Go: "NaN", "+Inf", "-Inf".
std::string format_float(double v, char fmt, int prec);

// fmt.Sprint(v) / %v of a float64: shortest 'g' (1e+06, 123456, 0.0001, 1e-05).
inline std::string format_float_v(double v) {
  return format_float(v, 'g', -1);
}

// strconv.Quote is gotext::go_quote, shared with the PromQL engine and the alert model.
using gotext::go_quote;

}  // namespace hawatch::tmpl
