#pragma once
// The values a template works on, typed as Go's are (a number constant `3` is an int, `3.0` and
// $value are float64), because Go's functions and comparisons refuse mixed types and hawatch
// must refuse and print them the same way.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

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
struct Record;
using RecordPtr = std::shared_ptr<const Record>;
using Value = std::variant<Nil, bool, std::int64_t, double, std::string, StringMap,
                           const AlertData*, RecordPtr>;

// A Go struct or slice built by the caller, for data richer than an alert's (a notification's
// template.Data with its list of alerts). Fields are found by name (a slice may have some too:
// Alertmanager's .Alerts.Firing is a method, read as a field); `items` makes it a slice for
// range, len and index.
struct Record {
  std::string type;  // Go's %T, for messages: "template.Data"
  std::vector<std::pair<std::string, Value>> fields;
  std::optional<std::vector<Value>> items;

  const Value* field(std::string_view name) const {
    for (const auto& [n, v] : fields)
      if (n == name) return &v;
    return nullptr;
  }
};

std::string type_name(const Value& v);    // as Go's %T: float64, int, string, map[string]string
std::string print_value(const Value& v);  // as fmt.Sprint of one operand
bool truth(const Value& v);               // as text/template's if: zero values are false

}  // namespace hawatch::tmpl
