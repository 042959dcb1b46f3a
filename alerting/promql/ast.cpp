#include "ast.h"

namespace hawatch::promql {

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::scalar:
      return "scalar";
    case ValueType::vector:
      return "instant vector";
    case ValueType::matrix:
      return "range vector";
    case ValueType::string:
      return "string";
  }
  return "";
}

std::string_view value_type_short_name(ValueType type) {
  switch (type) {
    case ValueType::scalar:
      return "scalar";
    case ValueType::vector:
      return "vector";
    case ValueType::matrix:
      return "matrix";
    case ValueType::string:
      return "string";
  }
  return "";
}

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::eql || op == BinaryOp::neq || op == BinaryOp::gtr || op == BinaryOp::lss ||
         op == BinaryOp::gte || op == BinaryOp::lte;
}

bool is_set_operator(BinaryOp op) {
  return op == BinaryOp::land || op == BinaryOp::lor || op == BinaryOp::lunless;
}

std::string_view binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::add:
      return "+";
    case BinaryOp::sub:
      return "-";
    case BinaryOp::mul:
      return "*";
    case BinaryOp::div:
      return "/";
    case BinaryOp::mod:
      return "%";
    case BinaryOp::pow:
      return "^";
    case BinaryOp::eql:
      return "==";
    case BinaryOp::neq:
      return "!=";
    case BinaryOp::gtr:
      return ">";
    case BinaryOp::lss:
      return "<";
    case BinaryOp::gte:
      return ">=";
    case BinaryOp::lte:
      return "<=";
    case BinaryOp::land:
      return "and";
    case BinaryOp::lor:
      return "or";
    case BinaryOp::lunless:
      return "unless";
  }
  return "";
}

std::string_view aggregate_op_name(AggregateOp op) {
  switch (op) {
    case AggregateOp::sum:
      return "sum";
    case AggregateOp::min:
      return "min";
    case AggregateOp::max:
      return "max";
    case AggregateOp::avg:
      return "avg";
    case AggregateOp::count:
      return "count";
    case AggregateOp::count_values:
      return "count_values";
    case AggregateOp::stddev:
      return "stddev";
    case AggregateOp::stdvar:
      return "stdvar";
    case AggregateOp::topk:
      return "topk";
    case AggregateOp::bottomk:
      return "bottomk";
    case AggregateOp::quantile:
      return "quantile";
    case AggregateOp::group:
      return "group";
  }
  return "";
}

const Node& unwrap_parens(const Node& node) {
  const Node* n = &node;
  while (const auto* p = std::get_if<ParenExpr>(&n->kind)) n = p->inner.get();
  return *n;
}

}  // namespace hawatch::promql
