#include "function_table.h"

#include <array>

#include "ast.h"

namespace hawatch::promql {
namespace {

using enum ValueType;

const std::vector<FunctionInfo>& table() {
  static const std::vector<FunctionInfo> functions = {
      {"abs", FunctionId::abs, {vector}, 0, vector},
      {"absent", FunctionId::absent, {vector}, 0, vector},
      {"absent_over_time", FunctionId::absent_over_time, {matrix}, 0, vector},
      {"avg_over_time", FunctionId::avg_over_time, {matrix}, 0, vector},
      {"ceil", FunctionId::ceil, {vector}, 0, vector},
      {"changes", FunctionId::changes, {matrix}, 0, vector},
      {"clamp", FunctionId::clamp, {vector, scalar, scalar}, 0, vector},
      {"clamp_max", FunctionId::clamp_max, {vector, scalar}, 0, vector},
      {"clamp_min", FunctionId::clamp_min, {vector, scalar}, 0, vector},
      {"count_over_time", FunctionId::count_over_time, {matrix}, 0, vector},
      {"day_of_month", FunctionId::day_of_month, {vector}, 1, vector},
      {"day_of_week", FunctionId::day_of_week, {vector}, 1, vector},
      {"day_of_year", FunctionId::day_of_year, {vector}, 1, vector},
      {"days_in_month", FunctionId::days_in_month, {vector}, 1, vector},
      {"delta", FunctionId::delta, {matrix}, 0, vector},
      {"deriv", FunctionId::deriv, {matrix}, 0, vector},
      {"exp", FunctionId::exp, {vector}, 0, vector},
      {"floor", FunctionId::floor, {vector}, 0, vector},
      {"holt_winters", FunctionId::holt_winters, {matrix, scalar, scalar}, 0, vector},
      {"histogram_quantile", FunctionId::histogram_quantile, {scalar, vector}, 0, vector},
      {"hour", FunctionId::hour, {vector}, 1, vector},
      {"idelta", FunctionId::idelta, {matrix}, 0, vector},
      {"increase", FunctionId::increase, {matrix}, 0, vector},
      {"irate", FunctionId::irate, {matrix}, 0, vector},
      {"label_join", FunctionId::label_join, {vector, string, string, string}, -1, vector},
      {"label_replace",
       FunctionId::label_replace,
       {vector, string, string, string, string},
       0,
       vector},
      {"last_over_time", FunctionId::last_over_time, {matrix}, 0, vector},
      {"ln", FunctionId::ln, {vector}, 0, vector},
      {"log10", FunctionId::log10, {vector}, 0, vector},
      {"log2", FunctionId::log2, {vector}, 0, vector},
      {"max_over_time", FunctionId::max_over_time, {matrix}, 0, vector},
      {"min_over_time", FunctionId::min_over_time, {matrix}, 0, vector},
      {"minute", FunctionId::minute, {vector}, 1, vector},
      {"month", FunctionId::month, {vector}, 1, vector},
      {"predict_linear", FunctionId::predict_linear, {matrix, scalar}, 0, vector},
      {"present_over_time", FunctionId::present_over_time, {matrix}, 0, vector},
      {"quantile_over_time", FunctionId::quantile_over_time, {scalar, matrix}, 0, vector},
      {"rate", FunctionId::rate, {matrix}, 0, vector},
      {"resets", FunctionId::resets, {matrix}, 0, vector},
      {"round", FunctionId::round, {vector, scalar}, 1, vector},
      {"scalar", FunctionId::scalar, {vector}, 0, scalar},
      {"sgn", FunctionId::sgn, {vector}, 0, vector},
      {"sort", FunctionId::sort, {vector}, 0, vector},
      {"sort_desc", FunctionId::sort_desc, {vector}, 0, vector},
      {"sqrt", FunctionId::sqrt, {vector}, 0, vector},
      {"stddev_over_time", FunctionId::stddev_over_time, {matrix}, 0, vector},
      {"stdvar_over_time", FunctionId::stdvar_over_time, {matrix}, 0, vector},
      {"sum_over_time", FunctionId::sum_over_time, {matrix}, 0, vector},
      {"time", FunctionId::time, {}, 0, scalar},
      {"timestamp", FunctionId::timestamp, {vector}, 0, vector},
      {"vector", FunctionId::vector, {scalar}, 0, vector},
      {"year", FunctionId::year, {vector}, 1, vector},
  };
  return functions;
}

}  // namespace

const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : table())
    if (f.name == name) return &f;
  return nullptr;
}

bool is_unsupported_prometheus_function(std::string_view name) {
  static constexpr std::array<std::string_view, 18> kRefused = {
      "acos",          "acosh",
      "asin",          "asinh",
      "atan",          "atanh",
      "cos",           "cosh",
      "deg",           "pi",
      "rad",           "sin",
      "sinh",          "tan",
      "tanh",          "histogram_count",
      "histogram_sum", "histogram_fraction"};
  for (const auto n : kRefused)
    if (n == name) return true;
  return false;
}

}  // namespace hawatch::promql
