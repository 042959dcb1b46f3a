// Functions of range vectors: rate/increase/delta with Prometheus' extrapolation, irate/idelta,
// changes/resets, deriv/predict_linear by least squares, the *_over_time family, holt_winters.
#include <cmath>
#include <optional>

#include "aggregate.h"
#include "functions.h"
#include "go_math.h"

namespace hawatch::promql::engine {
namespace {

using Points = std::vector<Point>;

// Prometheus' extrapolatedRate: the increase between the first and last point (counter resets
// added back), extrapolated towards the range boundaries unless a boundary is more than 1.1
// average intervals away (then only half an interval), and never below zero for counters.
std::optional<double> extrapolated_rate(const Points& p, const RangeInput& ms, Timestamp t,
                                        bool is_counter, bool is_rate) {
  if (p.size() < 2) return std::nullopt;
  const Timestamp range_start = t - (ms.range_ms + ms.offset_ms);
  const Timestamp range_end = t - ms.offset_ms;
  double result = p.back().v - p.front().v;
  if (is_counter) {
    double last = 0;
    for (const auto& point : p) {
      if (point.v < last) result += last;
      last = point.v;
    }
  }
  double to_start = static_cast<double>(p.front().t - range_start) / 1000;
  const double to_end = static_cast<double>(range_end - p.back().t) / 1000;
  const double sampled = static_cast<double>(p.back().t - p.front().t) / 1000;
  const double average = sampled / static_cast<double>(p.size() - 1);
  if (is_counter && result > 0 && p.front().v >= 0) {
    const double to_zero = sampled * (p.front().v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average / 2;
  interval += to_end < threshold ? to_end : average / 2;
  // The factor first, then one multiplication: the order Prometheus 2.42 rounds in.
  double factor = interval / sampled;
  if (is_rate) factor /= static_cast<double>(ms.range_ms) / 1000;
  return result * factor;
}

// irate/idelta: the last two points only.
std::optional<double> instant_value(const Points& p, bool is_rate) {
  if (p.size() < 2) return std::nullopt;
  const Point& last = p[p.size() - 1];
  const Point& previous = p[p.size() - 2];
  double result = is_rate && last.v < previous.v ? last.v : last.v - previous.v;
  const Timestamp interval = last.t - previous.t;
  if (interval == 0) return std::nullopt;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  return result;
}

struct Regression {
  double slope;
  double intercept;
};

// Prometheus' linearRegression, Kahan-summed, x measured in seconds from intercept_time.
Regression linear_regression(const Points& p, Timestamp intercept_time) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = p.front().v;
  bool const_y = true;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (const_y && i > 0 && p[i].v != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(p[i].t - intercept_time) / 1e3;
    kahan_add(x, sum_x, c_x);
    kahan_add(p[i].v, sum_y, c_y);
    kahan_add(x * p[i].v, sum_xy, c_xy);
    kahan_add(x * x, sum_x2, c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) return {std::nan(""), std::nan("")};
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  const double slope = cov_xy / var_x;
  return {slope, sum_y / n - slope * sum_x / n};
}

double avg_over_time(const Points& p) {
  double mean = 0, count = 0, c = 0;
  for (const auto& point : p) {
    count++;
    if (std::isinf(mean)) {
      if (std::isinf(point.v) && (mean > 0) == (point.v > 0)) continue;
      if (!std::isinf(point.v) && !std::isnan(point.v)) continue;
    }
    kahan_add(point.v / count - mean / count, mean, c);
  }
  if (std::isinf(mean)) return mean;
  return mean + c;
}

double stdvar_over_time(const Points& p) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const auto& point : p) {
    count++;
    const double delta = point.v - (mean + c_mean);
    kahan_add(delta / count, mean, c_mean);
    kahan_add(delta * (point.v - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

double holt_winters(const Points& p, double sf, double tf) {
  double s0 = 0, s1 = p[0].v, b = p[1].v - p[0].v;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const double x = sf * p[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

std::string go_percent_f(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

struct Params {
  double scalar1 = 0;  // quantile_over_time's q, predict_linear's t, holt_winters' sf
  double scalar2 = 0;  // holt_winters' tf
};

std::optional<double> apply(FunctionId id, const Points& p, const RangeInput& ms, Timestamp t,
                            const Params& params) {
  switch (id) {
    case FunctionId::rate:
      return extrapolated_rate(p, ms, t, true, true);
    case FunctionId::increase:
      return extrapolated_rate(p, ms, t, true, false);
    case FunctionId::delta:
      return extrapolated_rate(p, ms, t, false, false);
    case FunctionId::irate:
      return instant_value(p, true);
    case FunctionId::idelta:
      return instant_value(p, false);
    case FunctionId::changes:
    case FunctionId::resets: {
      double count = 0;
      for (std::size_t i = 1; i < p.size(); ++i) {
        const double prev = p[i - 1].v, cur = p[i].v;
        if (id == FunctionId::resets ? cur < prev
                                     : cur != prev && !(std::isnan(cur) && std::isnan(prev)))
          count++;
      }
      return count;
    }
    case FunctionId::deriv:
      if (p.size() < 2) return std::nullopt;
      // The first point's time as origin keeps the sums small (Prometheus issue 2674).
      return linear_regression(p, p.front().t).slope;
    case FunctionId::predict_linear: {
      if (p.size() < 2) return std::nullopt;
      const auto r = linear_regression(p, t);
      return r.slope * params.scalar1 + r.intercept;
    }
    case FunctionId::avg_over_time:
      return avg_over_time(p);
    case FunctionId::count_over_time:
      return static_cast<double>(p.size());
    case FunctionId::sum_over_time: {
      double sum = 0, c = 0;
      for (const auto& point : p) kahan_add(point.v, sum, c);
      if (std::isinf(sum)) return sum;
      return sum + c;
    }
    case FunctionId::min_over_time:
    case FunctionId::max_over_time: {
      double best = p.front().v;
      for (const auto& point : p) {
        const bool better = id == FunctionId::max_over_time ? point.v > best : point.v < best;
        if (better || std::isnan(best)) best = point.v;
      }
      return best;
    }
    case FunctionId::last_over_time:
      return p.back().v;
    case FunctionId::present_over_time:
    case FunctionId::absent_over_time:
      return 1;
    case FunctionId::stdvar_over_time:
      return stdvar_over_time(p);
    case FunctionId::stddev_over_time:
      return std::sqrt(stdvar_over_time(p));
    case FunctionId::quantile_over_time: {
      std::vector<double> values;
      values.reserve(p.size());
      for (const auto& point : p) values.push_back(point.v);
      return quantile(params.scalar1, values);
    }
    case FunctionId::holt_winters:
      if (p.size() < 2) return std::nullopt;
      return holt_winters(p, params.scalar1, params.scalar2);
    default:
      return std::nullopt;
  }
}

}  // namespace

Vector eval_range_function(Evaluator& ev, const Call& call, RangeInput input) {
  const auto id = call.func->id;
  Params params;
  if (id == FunctionId::quantile_over_time) params.scalar1 = ev.eval_scalar(*call.args[0]);
  if (id == FunctionId::predict_linear) params.scalar1 = ev.eval_scalar(*call.args[1]);
  if (id == FunctionId::holt_winters) {
    params.scalar1 = ev.eval_scalar(*call.args[1]);
    params.scalar2 = ev.eval_scalar(*call.args[2]);
    if (params.scalar1 <= 0 || params.scalar1 >= 1)
      throw EvalError("invalid smoothing factor. Expected: 0 < sf < 1, got: " +
                      go_percent_f(params.scalar1));
    if (params.scalar2 <= 0 || params.scalar2 >= 1)
      throw EvalError("invalid trend factor. Expected: 0 < tf < 1, got: " +
                      go_percent_f(params.scalar2));
  }
  const Matrix& matrix = input.matrix;
  if (id == FunctionId::absent_over_time) {
    if (!matrix.empty()) return Vector{};
    return Vector{Sample{absent_labels(*call.args[0]), 1, 0}};
  }
  Vector out;
  for (const auto& series : matrix) {
    const auto value = apply(id, series.points, input, ev.time(), params);
    if (!value) continue;
    Labels labels =
        id == FunctionId::last_over_time ? series.labels : drop_metric_name(series.labels);
    out.push_back(Sample{std::move(labels), *value, 0});
  }
  return out;
}

}  // namespace hawatch::promql::engine
