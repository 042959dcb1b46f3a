#pragma once
// Prometheus' name rules (model.IsValidMetricName, LabelName.IsValid, LabelValue.IsValid).

#include <string_view>

namespace hawatch::rules {

bool is_valid_metric_name(std::string_view name);  // [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_valid_label_name(std::string_view name);   // [a-zA-Z_][a-zA-Z0-9_]*
bool is_valid_utf8(std::string_view text);

}  // namespace hawatch::rules
