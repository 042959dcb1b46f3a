#include "ast_print.h"

#include "gotext/go_text.h"

namespace hawatch::promql {
using gotext::go_format_float_g;
using gotext::go_quote;
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out;
}

std::string offset_string(const VectorSelector& vs) {
  return vs.has_offset ? " offset " + std::to_string(vs.offset_ms) + "ms" : "";
}

std::string selector_string(const VectorSelector& vs) {
  std::string out = vs.metric_name + "{";
  bool first = true;
  for (const auto& m : vs.matchers) {
    if (m.name == "__name__" && m.type == MatchType::equal && m.value == vs.metric_name) continue;
    static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
    out += (first ? "" : ",") + m.name + kOps[static_cast<int>(m.type)] + go_quote(m.value);
    first = false;
  }
  return out + "}";
}

struct Printer {
  std::string operator()(const NumberLiteral& n) const { return go_format_float_g(n.value); }
  std::string operator()(const StringLiteral& s) const { return go_quote(s.value); }
  std::string operator()(const VectorSelector& vs) const {
    return selector_string(vs) + offset_string(vs);
  }
  std::string operator()(const MatrixSelector& ms) const {
    return selector_string(ms.selector) + "[" + std::to_string(ms.range_ms) + "ms]" +
           offset_string(ms.selector);
  }
  std::string operator()(const ParenExpr& p) const { return tree_string(*p.inner); }
  std::string operator()(const SubqueryExpr& sq) const {
    return "(subquery " + tree_string(*sq.expr) + "[" + std::to_string(sq.range_ms) +
           "ms:" + (sq.step_ms ? std::to_string(sq.step_ms) + "ms" : "") + "]" +
           (sq.has_offset ? " offset " + std::to_string(sq.offset_ms) + "ms" : "") + ")";
  }
  std::string operator()(const UnaryExpr& u) const {
    return std::string("(") + (u.negate ? "-" : "+") + " " + tree_string(*u.operand) + ")";
  }
  std::string operator()(const BinaryExpr& b) const {
    std::string op(binary_op_name(b.op));
    if (b.return_bool) op += " bool";
    if (b.matching) {
      const auto& m = *b.matching;
      if (m.on || !m.matching_labels.empty())
        op += std::string(m.on ? " on(" : " ignoring(") + join(m.matching_labels) + ")";
      if (m.card == Cardinality::many_to_one) op += " group_left(" + join(m.include) + ")";
      if (m.card == Cardinality::one_to_many) op += " group_right(" + join(m.include) + ")";
    }
    return "(" + op + " " + tree_string(*b.lhs) + " " + tree_string(*b.rhs) + ")";
  }
  std::string operator()(const AggregateExpr& a) const {
    std::string out(aggregate_op_name(a.op));
    if (a.without || !a.grouping.empty())
      out += std::string(a.without ? " without (" : " by (") + join(a.grouping) + ")";
    out += " (";
    if (a.param) out += tree_string(*a.param) + ", ";
    return out + tree_string(*a.expr) + ")";
  }
  std::string operator()(const Call& c) const {
    std::vector<std::string> args;
    for (const auto& a : c.args) args.push_back(tree_string(*a));
    return std::string(c.func->name) + "(" + join(args) + ")";
  }
};

}  // namespace

std::string tree_string(const Node& node) {
  return std::visit(Printer{}, node.kind);
}

}  // namespace hawatch::promql
