#pragma once
// Go's text forms that Prometheus', Alertmanager's and promtool's output is made of (strconv.Quote,
// strconv.FormatFloat), so hawatch's messages and label values read byte for byte the same.

#include <string>
#include <string_view>

namespace hawatch::gotext {

// strconv.Quote: "..." with Go escapes; invalid UTF-8 bytes as \xNN.
std::string go_quote(std::string_view s);
// strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent; NaN, +Inf,
// -Inf.
std::string go_format_float_f(double v);
// strconv.FormatFloat(v, 'g', -1, 64), as %v prints a float64 in Go messages.
std::string go_format_float_g(double v);

}  // namespace hawatch::gotext
