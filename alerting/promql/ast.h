#pragma once
// The syntax tree the parser builds and the evaluator walks. Every node knows the type it yields
// and where it starts in the expression text (for messages). Nodes are immutable once built.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "function_table.h"
#include "promql.h"

namespace hawatch::promql {

enum class ValueType { scalar, vector, matrix, string };
std::string_view value_type_name(ValueType type);        // "scalar", "instant vector", ...
std::string_view value_type_short_name(ValueType type);  // "scalar", "vector", "matrix", "string"

using NodePtr = std::unique_ptr<Node>;

struct NumberLiteral {
  double value = 0;
};
struct StringLiteral {
  std::string value;
};
struct VectorSelector {
  std::string metric_name;        // empty when only matchers name the series
  std::vector<Matcher> matchers;  // includes __name__="metric_name" when a name was written
  std::int64_t offset_ms = 0;     // positive looks back, negative forward
  bool has_offset = false;
};
struct MatrixSelector {
  VectorSelector selector;
  std::int64_t range_ms = 0;
};
// expr[range:step]: expr evaluated every step over the range, as a range vector.
struct SubqueryExpr {
  NodePtr expr;
  std::int64_t range_ms = 0;
  std::int64_t step_ms = 0;  // 0: EvalOptions::default_subquery_step
  std::int64_t offset_ms = 0;
  bool has_offset = false;
};
struct ParenExpr {
  NodePtr inner;
};
struct UnaryExpr {
  bool negate = false;  // false: unary plus
  NodePtr operand;
};

enum class BinaryOp {
  add,
  sub,
  mul,
  div,
  mod,
  pow,
  eql,
  neq,
  gtr,
  lss,
  gte,
  lte,
  land,
  lor,
  lunless
};
bool is_comparison(BinaryOp op);
bool is_set_operator(BinaryOp op);
std::string_view binary_op_name(BinaryOp op);

enum class Cardinality { one_to_one, many_to_one, one_to_many, many_to_many };
struct VectorMatching {
  Cardinality card = Cardinality::one_to_one;
  bool on = false;  // on(...) lists the labels that match; ignoring(...) those that do not
  std::vector<std::string> matching_labels;
  std::vector<std::string> include;  // group_left/group_right(...) labels copied from the one side
};
struct BinaryExpr {
  BinaryOp op = BinaryOp::add;
  NodePtr lhs;
  NodePtr rhs;
  bool return_bool = false;
  std::optional<VectorMatching> matching;  // only between two instant vectors
};

enum class AggregateOp {
  sum,
  min,
  max,
  avg,
  count,
  count_values,
  stddev,
  stdvar,
  topk,
  bottomk,
  quantile,
  group
};
std::string_view aggregate_op_name(AggregateOp op);
struct AggregateExpr {
  AggregateOp op = AggregateOp::sum;
  NodePtr expr;
  NodePtr param;  // topk/bottomk/quantile: scalar; count_values: string
  std::vector<std::string> grouping;
  bool without = false;
};

struct Call {
  const FunctionInfo* func = nullptr;
  std::vector<NodePtr> args;
};

using NodeKind = std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector,
                              ParenExpr, UnaryExpr, BinaryExpr, AggregateExpr, Call, SubqueryExpr>;

class Node {
 public:
  Node(NodeKind node_kind, ValueType node_type, std::size_t start)
      : kind(std::move(node_kind)), type(node_type), offset(start) {}
  NodeKind kind;
  ValueType type;
  std::size_t offset;  // where the node starts in the expression text
  int height = 1;      // levels of nodes below and including this one (bounded by the parser)
};

// Strips any number of parentheses: (((x))) -> x.
const Node& unwrap_parens(const Node& node);

}  // namespace hawatch::promql
