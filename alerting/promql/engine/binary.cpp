#include "binary.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "go_math.h"

namespace hawatch::promql::engine {
namespace {

struct ElemResult {
  double value;
  bool keep;
};

// Prometheus' vectorElemBinop: arithmetic yields the result; comparisons yield lhs and whether
// the comparison holds.
ElemResult elem_binop(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::add:
      return {lhs + rhs, true};
    case BinaryOp::sub:
      return {lhs - rhs, true};
    case BinaryOp::mul:
      return {lhs * rhs, true};
    case BinaryOp::div:
      return {lhs / rhs, true};
    case BinaryOp::pow:
      return {go_pow(lhs, rhs), true};
    case BinaryOp::mod:
      return {std::fmod(lhs, rhs), true};
    case BinaryOp::eql:
      return {lhs, lhs == rhs};
    case BinaryOp::neq:
      return {lhs, lhs != rhs};
    case BinaryOp::gtr:
      return {lhs, lhs > rhs};
    case BinaryOp::lss:
      return {lhs, lhs < rhs};
    case BinaryOp::gte:
      return {lhs, lhs >= rhs};
    case BinaryOp::lte:
      return {lhs, lhs <= rhs};
    default:
      break;
  }
  throw EvalError("operator \"" + std::string(binary_op_name(op)) + "\" not allowed here");
}

bool drops_metric_name(BinaryOp op) {
  return op == BinaryOp::add || op == BinaryOp::sub || op == BinaryOp::mul || op == BinaryOp::div ||
         op == BinaryOp::mod || op == BinaryOp::pow;
}

double scalar_binop(BinaryOp op, double lhs, double rhs) {
  const auto r = elem_binop(op, lhs, rhs);
  // Scalar comparisons always carry bool (the parser insists): 1 or 0.
  if (is_comparison(op)) return r.keep ? 1 : 0;
  return r.value;
}

Vector vector_scalar(BinaryOp op, Vector vec, double scalar, bool swap, bool return_bool) {
  Vector out;
  for (auto& s : vec) {
    double lv = s.value, rv = scalar;
    if (swap) std::swap(lv, rv);
    auto [value, keep] = elem_binop(op, lv, rv);
    // With the scalar on the left, a comparison still yields the vector's element.
    if (is_comparison(op) && swap) value = rv;
    if (return_bool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    s.value = value;
    if (drops_metric_name(op) || return_bool) s.labels = drop_metric_name(std::move(s.labels));
    out.push_back(std::move(s));
  }
  return out;
}

bool listed(const std::vector<std::string>& names, std::string_view name);

// The signature a sample matches on: on(...) keeps the listed labels, ignoring(...) (and the
// default) drops them and the metric name.
std::string signature(const Labels& labels, const VectorMatching& m) {
  std::string sig;
  for (const auto& l : labels.items()) {
    const bool in_list = listed(m.matching_labels, l.name);
    const bool use = m.on ? in_list : (!in_list && l.name != "__name__");
    if (!use) continue;
    sig += l.name;
    sig += '\xff';
    sig += l.value;
    sig += '\xff';
  }
  return sig;
}

Labels match_labels(const Labels& labels, const VectorMatching& m) {
  Labels out;
  for (const auto& l : labels.items()) {
    const bool in_list = listed(m.matching_labels, l.name);
    if (m.on ? in_list : (!in_list && l.name != "__name__")) out.set(l.name, l.value);
  }
  return out;
}

bool listed(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Prometheus' resultMetric: the lhs labels, less the metric name for arithmetic, reduced to the
// matching labels for one-to-one matching, plus the group_x labels from the "one" side.
Labels result_metric(const Labels& lhs, const Labels& rhs, BinaryOp op, const VectorMatching& m) {
  Labels out;
  for (const auto& l : lhs.items()) {
    if (l.name == "__name__" && drops_metric_name(op)) continue;
    if (m.card == Cardinality::one_to_one && listed(m.matching_labels, l.name) != m.on) continue;
    out.set(l.name, l.value);
  }
  for (const auto& name : m.include) out.set(name, rhs.get(name).value_or(""));
  return out;
}

Vector vector_vector(BinaryOp op, Vector lhs, Vector rhs, const VectorMatching& m,
                     bool return_bool) {
  if (m.card == Cardinality::one_to_many) std::swap(lhs, rhs);
  // The rhs is the "one" side: its signatures must be unique.
  std::unordered_map<std::string, const Sample*> right;
  for (const auto& rs : rhs) {
    auto [it, inserted] = right.emplace(signature(rs.labels, m), &rs);
    if (!inserted) {
      const char* side = m.card == Cardinality::one_to_many ? "left" : "right";
      throw EvalError("found duplicate series for the match group " +
                      match_labels(rs.labels, m).to_string() + " on the " + side +
                      " hand-side of the operation: [" + rs.labels.to_string() + ", " +
                      it->second->labels.to_string() +
                      "];many-to-many matching not allowed: matching labels must be unique on "
                      "one side");
    }
  }
  std::unordered_map<std::string, std::unordered_set<std::string>> matched;
  Vector out;
  for (const auto& ls : lhs) {
    const auto sig = signature(ls.labels, m);
    const auto found = right.find(sig);
    if (found == right.end()) continue;
    const Sample& rs = *found->second;
    double vl = ls.value, vr = rs.value;
    if (m.card == Cardinality::one_to_many) std::swap(vl, vr);
    auto [value, keep] = elem_binop(op, vl, vr);
    if (return_bool) {
      value = keep ? 1 : 0;
    } else if (!keep) {
      continue;
    }
    Labels metric = result_metric(ls.labels, rs.labels, op, m);
    if (return_bool) metric = drop_metric_name(std::move(metric));
    auto [group, first] = matched.try_emplace(sig);
    if (m.card == Cardinality::one_to_one) {
      if (!first)
        throw EvalError(
            "multiple matches for labels: many-to-one matching must be explicit "
            "(group_left/group_right)");
    } else {
      // In many-to-one matching the grouping labels must make each result unique.
      std::string key;
      for (const auto& l : metric.items()) key += l.name + '\xff' + l.value + '\xff';
      if (!group->second.insert(std::move(key)).second)
        throw EvalError(
            "multiple matches for matching labels grouping labels must ensure unique matches");
    }
    out.push_back(Sample{std::move(metric), value, 0});
  }
  return out;
}

Vector set_and(Vector lhs, const Vector& rhs, const VectorMatching& m) {
  std::unordered_set<std::string> right;
  for (const auto& rs : rhs) right.insert(signature(rs.labels, m));
  Vector out;
  for (auto& ls : lhs)
    if (right.contains(signature(ls.labels, m))) out.push_back(std::move(ls));
  return out;
}

Vector set_or(Vector lhs, Vector rhs, const VectorMatching& m) {
  std::unordered_set<std::string> left;
  for (const auto& ls : lhs) left.insert(signature(ls.labels, m));
  Vector out = std::move(lhs);
  for (auto& rs : rhs)
    if (!left.contains(signature(rs.labels, m))) out.push_back(std::move(rs));
  return out;
}

Vector set_unless(Vector lhs, const Vector& rhs, const VectorMatching& m) {
  std::unordered_set<std::string> right;
  for (const auto& rs : rhs) right.insert(signature(rs.labels, m));
  Vector out;
  for (auto& ls : lhs)
    if (!right.contains(signature(ls.labels, m))) out.push_back(std::move(ls));
  return out;
}

}  // namespace

EvalValue eval_binary(Evaluator& ev, const BinaryExpr& b) {
  auto lhs = ev.eval(*b.lhs);
  auto rhs = ev.eval(*b.rhs);
  const auto* ls = std::get_if<double>(&lhs);
  const auto* rs = std::get_if<double>(&rhs);
  if (ls && rs) return scalar_binop(b.op, *ls, *rs);
  Vector out;
  if (rs) {
    out = vector_scalar(b.op, std::move(std::get<Vector>(lhs)), *rs, false, b.return_bool);
  } else if (ls) {
    out = vector_scalar(b.op, std::move(std::get<Vector>(rhs)), *ls, true, b.return_bool);
  } else {
    auto& lv = std::get<Vector>(lhs);
    auto& rv = std::get<Vector>(rhs);
    const auto& m = *b.matching;
    switch (b.op) {
      case BinaryOp::land:
        out = set_and(std::move(lv), rv, m);
        break;
      case BinaryOp::lor:
        out = set_or(std::move(lv), std::move(rv), m);
        break;
      case BinaryOp::lunless:
        out = set_unless(std::move(lv), rv, m);
        break;
      default:
        out = vector_vector(b.op, std::move(lv), std::move(rv), m, b.return_bool);
    }
  }
  for (auto& s : out) s.t = ev.time();
  check_unique_labelsets(out);
  return out;
}

}  // namespace hawatch::promql::engine
