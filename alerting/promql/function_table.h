#pragma once
// The functions hawatch evaluates, with their signatures: the parser checks calls against this
// table, the evaluator dispatches on FunctionId. Prometheus functions not listed are refused.

#include <string_view>
#include <vector>

namespace hawatch::promql {

enum class ValueType;

enum class FunctionId {
  abs,
  absent,
  absent_over_time,
  avg_over_time,
  ceil,
  changes,
  clamp,
  clamp_max,
  clamp_min,
  count_over_time,
  day_of_month,
  day_of_week,
  day_of_year,
  days_in_month,
  delta,
  deriv,
  exp,
  floor,
  hour,
  idelta,
  increase,
  irate,
  label_join,
  label_replace,
  last_over_time,
  ln,
  log10,
  log2,
  max_over_time,
  min_over_time,
  minute,
  month,
  predict_linear,
  present_over_time,
  quantile_over_time,
  rate,
  resets,
  round,
  scalar,
  sgn,
  sort,
  sort_desc,
  sqrt,
  stddev_over_time,
  stdvar_over_time,
  sum_over_time,
  time,
  timestamp,
  vector,
  year,
  holt_winters,
  histogram_quantile
};

struct FunctionInfo {
  std::string_view name;
  FunctionId id;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types; n > 0: the last n may be left out; -1: the last repeats any number.
  int variadic;
  ValueType return_type;
};

// The function of that name, or nullptr.
const FunctionInfo* find_function(std::string_view name);
// True for a Prometheus 2.42 function that hawatch refuses (so the message can say so).
bool is_unsupported_prometheus_function(std::string_view name);

}  // namespace hawatch::promql
