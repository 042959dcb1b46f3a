#pragma once
// The values a template works on, typed as Go's are (a number constant `3` is an int, `3.0` and
// $value are float64), because Go's functions and comparisons refuse mixed types and hawatch
// must refuse and print them the same way.

#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace hawatch::tmpl {

using StringMap = std::map<std::string, std::string>;  // Go's map[string]string, sorted on print

// The data Prometheus hands an alert template (template.AlertTemplateData).
struct AlertData {
  StringMap labels;
  StringMap external_labels;
  std::string external_url;
  double value = 0;
};

struct Nil {};
using Value =
    std::variant<Nil, bool, std::int64_t, double, std::string, StringMap, const AlertData*>;

std::string type_name(const Value& v);    // as Go's %T: float64, int, string, map[string]string
std::string print_value(const Value& v);  // as fmt.Sprint of one operand
bool truth(const Value& v);               // as text/template's if: zero values are false

}  // namespace hawatch::tmpl
