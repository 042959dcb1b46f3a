#pragma once
// A compact, unambiguous rendering of a syntax tree, for tests and debugging: every operator
// node fully parenthesised, e.g. "(+ 1 (* 2 3))", "sum by (job) (rate(x[5m]))".

#include <string>

#include "ast.h"

namespace hawatch::promql {

std::string tree_string(const Node& node);

}  // namespace hawatch::promql
