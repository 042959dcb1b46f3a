#include "lookback.h"

#include <algorithm>

namespace hawatch::promql {

namespace {

struct Reach {
  std::int64_t delta;
  std::int64_t default_step;

  std::int64_t of(const NodePtr& node) const { return node ? of(*node) : 0; }
  std::int64_t of(const Node& node) const {
    return std::visit([this](const auto& n) { return visit(n); }, node.kind);
  }

  std::int64_t visit(const NumberLiteral&) const { return 0; }
  std::int64_t visit(const StringLiteral&) const { return 0; }
  std::int64_t visit(const VectorSelector& s) const {
    return std::max<std::int64_t>(0, s.offset_ms + delta);
  }
  std::int64_t visit(const MatrixSelector& m) const {
    return std::max<std::int64_t>(0, m.selector.offset_ms + m.range_ms);
  }
  std::int64_t visit(const SubqueryExpr& s) const {
    // Subquery steps are aligned to multiples of the step: the first may start a step earlier.
    const std::int64_t step = s.step_ms > 0 ? s.step_ms : default_step;
    return std::max<std::int64_t>(0, s.offset_ms + s.range_ms + step + of(s.expr));
  }
  std::int64_t visit(const ParenExpr& p) const { return of(p.inner); }
  std::int64_t visit(const UnaryExpr& u) const { return of(u.operand); }
  std::int64_t visit(const BinaryExpr& b) const { return std::max(of(b.lhs), of(b.rhs)); }
  std::int64_t visit(const AggregateExpr& a) const { return std::max(of(a.expr), of(a.param)); }
  std::int64_t visit(const Call& c) const {
    std::int64_t most = 0;
    for (const auto& arg : c.args) most = std::max(most, of(arg));
    return most;
  }
};

}  // namespace

std::int64_t lookback_ms(const Node& root, std::int64_t lookback_delta_ms,
                         std::int64_t default_subquery_step_ms) {
  return Reach{lookback_delta_ms, default_subquery_step_ms}.of(root);
}

}  // namespace hawatch::promql
