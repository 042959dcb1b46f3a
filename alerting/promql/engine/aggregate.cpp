#include "aggregate.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "go_heap.h"
#include "go_math.h"
#include "gotext/go_text.h"

namespace hawatch::promql::engine {
using gotext::go_format_float_f;
using gotext::go_format_float_g;
using gotext::go_quote;
namespace {

// vectorByValueHeap.Less: NaN sorts first (it is the first to be dropped from a topk heap).
bool by_value_less(const Sample& a, const Sample& b) {
  if (std::isnan(a.value)) return true;
  return a.value < b.value;
}
// vectorByReverseValueHeap.Less.
bool by_reverse_value_less(const Sample& a, const Sample& b) {
  if (std::isnan(a.value)) return true;
  return a.value > b.value;
}
using LessFn = bool (*)(const Sample&, const Sample&);

struct Group {
  Labels labels;
  double value = 0;
  double mean = 0;
  double count = 1;
  GoHeap<Sample, LessFn> heap{by_value_less};
  std::vector<double> values;  // quantile
};

Labels group_labels(const Labels& metric, const AggregateExpr& a,
                    const std::vector<std::string>& grouping) {
  const auto in = [&](std::string_view n) {
    return std::find(grouping.begin(), grouping.end(), n) != grouping.end();
  };
  Labels out;
  for (const auto& l : metric.items()) {
    const bool keep = a.without ? (!in(l.name) && l.name != "__name__") : in(l.name);
    if (keep) out.set(l.name, l.value);
  }
  return out;
}

void add_to_group(Group& g, AggregateOp op, const Sample& s, std::int64_t k) {
  switch (op) {
    case AggregateOp::sum:
      g.value += s.value;
      break;
    case AggregateOp::avg:
      g.count++;
      if (std::isinf(g.mean)) {
        if (std::isinf(s.value) && (g.mean > 0) == (s.value > 0)) break;
        if (!std::isinf(s.value) && !std::isnan(s.value)) break;
      }
      // Each side of the '-' divided by the count to avoid overflow, as Prometheus 2.42 does.
      g.mean += s.value / g.count - g.mean / g.count;
      break;
    case AggregateOp::group:
      break;
    case AggregateOp::max:
      if (g.value < s.value || std::isnan(g.value)) g.value = s.value;
      break;
    case AggregateOp::min:
      if (g.value > s.value || std::isnan(g.value)) g.value = s.value;
      break;
    case AggregateOp::count:
    case AggregateOp::count_values:
      g.count++;
      break;
    case AggregateOp::stddev:
    case AggregateOp::stdvar: {
      g.count++;
      const double delta = s.value - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (s.value - g.mean);
      break;
    }
    case AggregateOp::topk:
    case AggregateOp::bottomk: {
      const auto size = static_cast<std::int64_t>(g.heap.size());
      const double top = g.heap.top().value;
      const bool better = op == AggregateOp::topk ? top < s.value : top > s.value;
      if (size < k || better || std::isnan(top)) {
        if (size == k) {
          if (k == 1) {  // replaced in place, as Prometheus does
            g.heap.items()[0] = s;
            break;
          }
          g.heap.pop();
        }
        g.heap.push(s);
      }
      break;
    }
    case AggregateOp::quantile:
      g.values.push_back(s.value);
      break;
  }
}

Group new_group(Labels labels, AggregateOp op, const Sample& s) {
  Group g;
  g.labels = std::move(labels);
  g.value = s.value;
  g.mean = s.value;
  if (op == AggregateOp::bottomk) g.heap = GoHeap<Sample, LessFn>(by_reverse_value_less);
  switch (op) {
    case AggregateOp::stddev:
    case AggregateOp::stdvar:
      g.value = 0;
      break;
    case AggregateOp::topk:
    case AggregateOp::bottomk:
      g.heap.items().push_back(s);
      break;
    case AggregateOp::quantile:
      g.values.push_back(s.value);
      break;
    case AggregateOp::group:
      g.value = 1;
      break;
    default:
      break;
  }
  return g;
}

void emit_group(Group& g, AggregateOp op, double q, Vector& out) {
  double value = g.value;
  switch (op) {
    case AggregateOp::avg:
      value = g.mean;
      break;
    case AggregateOp::count:
    case AggregateOp::count_values:
      value = g.count;
      break;
    case AggregateOp::stdvar:
      value = g.value / g.count;
      break;
    case AggregateOp::stddev:
      value = std::sqrt(g.value / g.count);
      break;
    case AggregateOp::topk:
    case AggregateOp::bottomk: {
      auto& items = g.heap.items();
      // Best first; equal values keep heap order (Go's sort is not stable either, but the
      // selection above is what decides which series are in the result).
      const auto less = op == AggregateOp::topk ? by_value_less : by_reverse_value_less;
      std::stable_sort(items.begin(), items.end(),
                       [less](const Sample& a, const Sample& b) { return less(b, a); });
      for (auto& s : items) out.push_back(std::move(s));
      return;
    }
    case AggregateOp::quantile:
      value = quantile(q, g.values);
      break;
    default:
      break;
  }
  out.push_back(Sample{std::move(g.labels), value, 0});
}

}  // namespace

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return std::nan("");
  if (q < 0) return -HUGE_VAL;
  if (q > 1) return HUGE_VAL;
  std::sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<std::size_t>(lower)] * (1 - weight) +
         values[static_cast<std::size_t>(upper)] * weight;
}

EvalValue eval_aggregate(Evaluator& ev, const AggregateExpr& a) {
  double param = 0;
  std::string value_label;
  if (a.param) {
    if (a.op == AggregateOp::count_values) {
      value_label = ev.eval_string(*a.param);
    } else {
      param = ev.eval_scalar(*a.param);
    }
  }
  std::int64_t k = 0;
  if (a.op == AggregateOp::topk || a.op == AggregateOp::bottomk) {
    if (!convertible_to_int64(param))
      throw EvalError("Scalar value " + go_format_float_g(param) + " overflows int64");
    k = static_cast<std::int64_t>(param);
    if (k < 1) return Vector{};
  }
  auto grouping = a.grouping;
  if (a.op == AggregateOp::count_values) {
    if (!valid_label_name(value_label))
      throw EvalError("invalid label name " + go_quote(value_label));
    if (!a.without) grouping.push_back(value_label);
  }
  const Vector input = ev.eval_vector(*a.expr);
  std::unordered_map<Labels, std::size_t, LabelsHash> index;
  std::vector<Group> groups;
  for (const auto& sample : input) {
    const Sample* s = &sample;
    Sample relabelled;
    if (a.op == AggregateOp::count_values) {
      relabelled = sample;
      relabelled.labels.set(value_label, go_format_float_f(sample.value));
      s = &relabelled;
    }
    auto labels = group_labels(s->labels, a, grouping);
    const auto it = index.find(labels);
    if (it == index.end()) {
      index.emplace(labels, groups.size());
      groups.push_back(new_group(std::move(labels), a.op, *s));
      continue;
    }
    add_to_group(groups[it->second], a.op, *s, k);
  }
  Vector out;
  for (auto& g : groups) emit_group(g, a.op, param, out);
  for (auto& s : out) s.t = ev.time();
  return out;
}

}  // namespace hawatch::promql::engine
