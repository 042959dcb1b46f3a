#pragma once
// Binary operators: arithmetic and comparisons between scalars and vectors, vector matching
// (on/ignoring, group_left/group_right), and the set operators and/or/unless.

#include "evaluator.h"

namespace hawatch::promql::engine {

EvalValue eval_binary(Evaluator& ev, const BinaryExpr& b);

}  // namespace hawatch::promql::engine
