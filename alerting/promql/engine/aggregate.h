#pragma once
// Aggregation operators (sum, avg, topk, quantile, count_values, ...) with by/without grouping.

#include "evaluator.h"

namespace hawatch::promql::engine {

EvalValue eval_aggregate(Evaluator& ev, const AggregateExpr& a);

// Prometheus' quantile(): linear interpolation between the closest ranks; NaN for no values,
// -Inf below 0, +Inf above 1. Sorts values.
double quantile(double q, std::vector<double>& values);

}  // namespace hawatch::promql::engine
