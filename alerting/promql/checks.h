#pragma once
// The type checks Prometheus' parser makes once a node is built (checkAST in promql/parser):
// operand types, bool and vector-matching modifiers, argument counts and types. Kept apart from
// the grammar so each reads on its own.

#include <optional>
#include <string>
#include <vector>

#include "ast.h"

namespace hawatch::promql {

// A failed check: where in the expression text (a node's or an operator's offset), and why.
struct CheckError {
  std::size_t offset;
  std::string message;
};

// Binary operators: returns the vector matching to keep (none unless both sides are vectors).
std::optional<VectorMatching> check_binary(BinaryOp op, const Node& lhs, const Node& rhs,
                                           bool return_bool, VectorMatching matching,
                                           std::size_t op_offset);
void check_unary(const Node& operand);
// args as written: (param, expr) for topk/bottomk/quantile/count_values, else (expr).
void check_aggregate_args(AggregateOp op, const std::vector<NodePtr>& args, std::size_t offset);
void check_call(const FunctionInfo& f, const std::vector<NodePtr>& args, std::size_t name_offset);

}  // namespace hawatch::promql
