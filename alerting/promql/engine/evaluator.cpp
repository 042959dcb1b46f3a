#include "evaluator.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "aggregate.h"
#include "binary.h"
#include "functions.h"

namespace hawatch::promql::engine {

Labels drop_metric_name(Labels labels) {
  labels.erase("__name__");
  return labels;
}

bool valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void check_unique_labelsets(const Vector& v) {
  if (v.size() < 2) return;
  std::unordered_set<std::uint64_t> hashes;
  bool collision = false;
  for (const auto& s : v) collision |= !hashes.insert(s.labels.hash()).second;
  if (!collision) return;
  // A hash collision is not yet a duplicate: compare the label sets themselves.
  std::vector<const Labels*> sorted;
  for (const auto& s : v) sorted.push_back(&s.labels);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return *a < *b; });
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (*sorted[i] == *sorted[i - 1])
      throw EvalError("vector cannot contain metrics with the same labelset");
}

void Evaluator::account(std::size_t samples) {
  *samples_ += samples;
  if (*samples_ > options_.max_samples)
    throw EvalError("query processing would load too many samples into memory in query execution");
}

Vector Evaluator::select_instant(const VectorSelector& vs) {
  const Timestamp ref = t_ - vs.offset_ms;
  const Timestamp lookback = options_.lookback_delta.count();
  Vector out;
  storage_.select(vs.matchers, ref - lookback, ref, [&](const Series& series) {
    if (series.points.empty()) return;
    const Point& last = series.points.back();  // the newest point at or before ref
    if (is_stale_nan(last.v)) return;          // a stale marker ends the series
    out.push_back(Sample{series.labels, last.v, last.t});
  });
  account(out.size());
  return out;
}

Matrix Evaluator::select_range(const MatrixSelector& ms) {
  const Timestamp maxt = t_ - ms.selector.offset_ms;
  const Timestamp mint = maxt - ms.range_ms;
  Matrix out;
  storage_.select(ms.selector.matchers, mint, maxt, [&](const Series& series) {
    Series s{series.labels, {}};
    for (const auto& p : series.points)
      if (!is_stale_nan(p.v)) s.points.push_back(p);
    if (s.points.empty()) return;
    account(s.points.size());
    out.push_back(std::move(s));
  });
  return out;
}

// A bound of hawatch's own: Prometheus has none for subqueries, but x[1y:1ms] must not take
// the node's CPU (nested subqueries also spend the max_samples budget, one unit per step).
constexpr Timestamp kMaxSubquerySteps = 11'000;

Matrix Evaluator::eval_subquery(const SubqueryExpr& sq) {
  const Timestamp step =
      sq.step_ms > 0 ? sq.step_ms : static_cast<Timestamp>(options_.default_subquery_step.count());
  if (step <= 0) throw EvalError("subquery step must be greater than 0");
  const Timestamp end = t_ - sq.offset_ms;
  const Timestamp earliest = end - sq.range_ms;
  // The first step-aligned time in the range (Go's truncating division, as Prometheus).
  Timestamp start = step * (earliest / step);
  if (start < earliest) start += step;
  if (end >= start && (end - start) / step + 1 > kMaxSubquerySteps)
    throw EvalError("subquery would be evaluated at more than " +
                    std::to_string(kMaxSubquerySteps) + " steps");
  Matrix out;
  std::unordered_map<Labels, std::size_t, LabelsHash> index;
  for (Timestamp ts = start; ts <= end; ts += step) {
    account(1);
    Evaluator at(*this, ts);
    for (auto& s : at.eval_vector(*sq.expr)) {
      const auto [it, inserted] = index.try_emplace(s.labels, out.size());
      if (inserted) out.push_back(Series{std::move(s.labels), {}});
      out[it->second].points.push_back(Point{ts, s.value});
    }
  }
  return out;
}

EvalValue Evaluator::eval_unary(const UnaryExpr& u) {
  auto value = eval(*u.operand);
  if (!u.negate) return value;
  if (auto* scalar = std::get_if<double>(&value)) return -*scalar;
  auto& vector = std::get<Vector>(value);
  for (auto& s : vector) {
    s.labels = drop_metric_name(std::move(s.labels));
    s.value = -s.value;
  }
  check_unique_labelsets(vector);
  return value;
}

EvalValue Evaluator::eval(const Node& node) {
  struct Visitor {
    Evaluator& ev;
    EvalValue operator()(const NumberLiteral& n) const { return n.value; }
    EvalValue operator()(const StringLiteral& s) const { return s.value; }
    EvalValue operator()(const VectorSelector& vs) const {
      auto v = ev.select_instant(vs);
      for (auto& s : v) s.t = ev.time();
      return v;
    }
    EvalValue operator()(const MatrixSelector& ms) const { return ev.select_range(ms); }
    EvalValue operator()(const ParenExpr& p) const { return ev.eval(*p.inner); }
    EvalValue operator()(const UnaryExpr& u) const { return ev.eval_unary(u); }
    EvalValue operator()(const BinaryExpr& b) const { return eval_binary(ev, b); }
    EvalValue operator()(const AggregateExpr& a) const { return eval_aggregate(ev, a); }
    EvalValue operator()(const Call& c) const { return eval_call(ev, c); }
    EvalValue operator()(const SubqueryExpr& sq) const { return ev.eval_subquery(sq); }
  };
  auto value = std::visit(Visitor{*this}, node.kind);
  if (const auto* v = std::get_if<Vector>(&value)) account(v->size());
  return value;
}

}  // namespace hawatch::promql::engine
