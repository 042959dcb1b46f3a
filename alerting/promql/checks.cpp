#include "checks.h"

#include <algorithm>

namespace hawatch::promql {
namespace {

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}
std::string type_name(ValueType t) {
  return std::string(value_type_name(t));
}

bool aggregate_has_param(AggregateOp op) {
  return op == AggregateOp::topk || op == AggregateOp::bottomk || op == AggregateOp::quantile ||
         op == AggregateOp::count_values;
}

}  // namespace

std::optional<VectorMatching> check_binary(BinaryOp op, const Node& lhs, const Node& rhs,
                                           bool return_bool, VectorMatching matching,
                                           std::size_t op_offset) {
  const auto lt = lhs.type;
  const auto rt = rhs.type;
  const auto name = quoted(binary_op_name(op));
  if (return_bool && !is_comparison(op))
    throw CheckError{op_offset, "bool modifier can only be used on comparison operators"};
  if (is_comparison(op) && !return_bool && lt == ValueType::scalar && rt == ValueType::scalar)
    throw CheckError{op_offset, "comparisons between scalars must use BOOL modifier"};
  if (is_set_operator(op) && matching.card == Cardinality::one_to_one)
    matching.card = Cardinality::many_to_many;
  if (matching.on)
    for (const auto& l : matching.matching_labels)
      if (std::find(matching.include.begin(), matching.include.end(), l) != matching.include.end())
        throw CheckError{op_offset,
                         "label " + quoted(l) + " must not occur in ON and GROUP clause at once"};
  if (lt != ValueType::scalar && lt != ValueType::vector)
    throw CheckError{lhs.offset,
                     "binary expression must contain only scalar and instant vector types"};
  if (rt != ValueType::scalar && rt != ValueType::vector)
    throw CheckError{rhs.offset,
                     "binary expression must contain only scalar and instant vector types"};
  if (lt != ValueType::vector || rt != ValueType::vector) {
    if (!matching.matching_labels.empty())
      throw CheckError{lhs.offset, "vector matching only allowed between instant vectors"};
    if (is_set_operator(op))
      throw CheckError{op_offset,
                       "set operator " + name + " not allowed in binary scalar expression"};
    return std::nullopt;
  }
  if (is_set_operator(op) &&
      (matching.card == Cardinality::one_to_many || matching.card == Cardinality::many_to_one))
    throw CheckError{op_offset, "no grouping allowed for " + name + " operation"};
  return matching;
}

void check_unary(const Node& operand) {
  if (operand.type != ValueType::scalar && operand.type != ValueType::vector)
    throw CheckError{operand.offset,
                     "unary expression only allowed on expressions of type scalar or instant "
                     "vector, got " +
                         quoted(value_type_name(operand.type))};
}

void check_aggregate_args(AggregateOp op, const std::vector<NodePtr>& args, std::size_t offset) {
  const std::size_t expected = aggregate_has_param(op) ? 2 : 1;
  if (args.size() != expected)
    throw CheckError{offset,
                     "wrong number of arguments for aggregate expression provided, expected " +
                         std::to_string(expected) + ", got " + std::to_string(args.size())};
  if (expected == 2) {
    const auto want = op == AggregateOp::count_values ? ValueType::string : ValueType::scalar;
    if (args[0]->type != want)
      throw CheckError{args[0]->offset, "expected type " + type_name(want) +
                                            " in aggregation parameter, got " +
                                            type_name(args[0]->type)};
  }
  const auto& expr = *args.back();
  if (expr.type != ValueType::vector)
    throw CheckError{expr.offset, "expected type instant vector in aggregation expression, got " +
                                      type_name(expr.type)};
}

// Argument count, then each argument's type; variadic as Prometheus' Function.Variadic.
void check_call(const FunctionInfo& f, const std::vector<NodePtr>& args, std::size_t name_offset) {
  const auto nargs = f.arg_types.size();
  const auto fname = quoted(f.name);
  const auto got = std::to_string(args.size());
  if (f.variadic == 0) {
    if (nargs != args.size())
      throw CheckError{name_offset, "expected " + std::to_string(nargs) +
                                        " argument(s) in call to " + fname + ", got " + got};
  } else {
    const auto min = nargs - 1;
    if (min > args.size())
      throw CheckError{name_offset, "expected at least " + std::to_string(min) +
                                        " argument(s) in call to " + fname + ", got " + got};
    const auto max = min + static_cast<std::size_t>(f.variadic);
    if (f.variadic > 0 && max < args.size())
      throw CheckError{name_offset, "expected at most " + std::to_string(max) +
                                        " argument(s) in call to " + fname + ", got " + got};
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::size_t k = i;
    if (k >= nargs) {
      if (f.variadic == 0) break;
      k = nargs - 1;
    }
    if (args[i]->type != f.arg_types[k])
      throw CheckError{args[i]->offset, "expected type " + type_name(f.arg_types[k]) +
                                            " in call to function " + fname + ", got " +
                                            type_name(args[i]->type)};
  }
}

}  // namespace hawatch::promql
