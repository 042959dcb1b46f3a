#pragma once
// Function calls: dispatch to the instant-vector functions (functions_instant.cpp), the
// range-vector functions (functions_range.cpp) and the label functions (functions_label.cpp).

#include "evaluator.h"

namespace hawatch::promql::engine {

EvalValue eval_call(Evaluator& ev, const Call& call);

EvalValue eval_instant_function(Evaluator& ev, const Call& call);
// The range a function reads: a range selector's series, or a subquery's result, with the
// range and offset its extrapolation measures against.
struct RangeInput {
  Matrix matrix;
  std::int64_t range_ms = 0;
  std::int64_t offset_ms = 0;
};
Vector eval_range_function(Evaluator& ev, const Call& call, RangeInput input);
Vector eval_label_function(Evaluator& ev, const Call& call);
Vector histogram_quantile(Evaluator& ev, const Call& call);

// The labels absent()/absent_over_time() give their 1: the selector's equality matchers, less
// any label matched more than once or other than by equality.
Labels absent_labels(const Node& arg);

}  // namespace hawatch::promql::engine
