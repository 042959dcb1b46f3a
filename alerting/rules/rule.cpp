#include "rule.h"

namespace hawatch::rules {

QueryFunc engine_query_func(const promql::Storage& storage, promql::EvalOptions options) {
  return [&storage, options](const promql::Expr& expr, Timestamp ts) -> promql::Vector {
    promql::Value v = promql::evaluate(expr, storage, ts, options);
    if (auto* vector = std::get_if<promql::Vector>(&v)) return std::move(*vector);
    if (auto* scalar = std::get_if<promql::Scalar>(&v))
      return promql::Vector{promql::Sample{promql::Labels{}, scalar->value, ts}};
    throw RuleError("rule result is not a vector or scalar");
  };
}

}  // namespace hawatch::rules
