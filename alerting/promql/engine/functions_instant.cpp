// Functions of instant vectors and scalars: math, clamping, rounding, time and date parts,
// sorting, vector()/scalar(), absent() and timestamp().
#include <algorithm>
#include <cmath>
#include <functional>

#include "functions.h"
#include "go_math.h"

namespace hawatch::promql::engine {
namespace {

Vector map_values(Vector v, const std::function<double(double)>& f) {
  for (auto& s : v) {
    s.labels = drop_metric_name(std::move(s.labels));
    s.value = f(s.value);
  }
  return v;
}

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm), as Go's time.Time.Date().
struct Civil {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};
Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Civil{y + (m <= 2), static_cast<int>(m), static_cast<int>(d)};
}
bool leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}
int days_in(std::int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

double date_part(FunctionId id, std::int64_t seconds) {
  const std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const std::int64_t secs_of_day = seconds - days * 86400;
  const auto c = civil_from_days(days);
  switch (id) {
    case FunctionId::hour:
      return static_cast<double>(secs_of_day / 3600);
    case FunctionId::minute:
      return static_cast<double>(secs_of_day % 3600 / 60);
    case FunctionId::day_of_week:
      return static_cast<double>(((days % 7) + 11) % 7);  // 1970-01-01: Thu
    case FunctionId::day_of_month:
      return c.day;
    case FunctionId::days_in_month:
      return days_in(c.year, c.month);
    case FunctionId::month:
      return c.month;
    case FunctionId::year:
      return static_cast<double>(c.year);
    case FunctionId::day_of_year: {
      int doy = c.day;
      for (int m = 1; m < c.month; ++m) doy += days_in(c.year, m);
      return doy;
    }
    default:
      return 0;
  }
}

Vector date_function(Evaluator& ev, const Call& call) {
  if (call.args.empty())
    return Vector{Sample{Labels{}, date_part(call.func->id, ev.time() / 1000), 0}};
  return map_values(ev.eval_vector(*call.args[0]), [&](double v) {
    // Go's int64(v) for a NaN or out-of-range float is undefined; Prometheus gets the minimum.
    const std::int64_t secs = std::isnan(v) || !convertible_to_int64(v)
                                  ? std::numeric_limits<std::int64_t>::min() / 1000000
                                  : static_cast<std::int64_t>(v);
    return date_part(call.func->id, secs);
  });
}

// sort(): ascending, NaN last; sort_desc(): descending, NaN last (Prometheus' heap orders).
Vector sorted(Vector v, bool descending) {
  std::stable_sort(v.begin(), v.end(), [descending](const Sample& a, const Sample& b) {
    if (std::isnan(a.value) || std::isnan(b.value))
      return !std::isnan(a.value) && std::isnan(b.value);
    return descending ? a.value > b.value : a.value < b.value;
  });
  return v;
}

Vector timestamp_of(Evaluator& ev, const Node& arg) {
  const Node& n = unwrap_parens(arg);
  Vector v;
  if (const auto* vs = std::get_if<VectorSelector>(&n.kind)) {
    v = ev.select_instant(vs[0]);  // the points' own times
  } else {
    v = ev.eval_vector(arg);  // evaluated samples carry the evaluation time
  }
  for (auto& s : v) {
    s.labels = drop_metric_name(std::move(s.labels));
    s.value = static_cast<double>(s.t) / 1000;
  }
  return v;
}

}  // namespace

EvalValue eval_instant_function(Evaluator& ev, const Call& call) {
  const auto arg_vector = [&] { return ev.eval_vector(*call.args[0]); };
  const auto arg_scalar = [&](std::size_t i) { return ev.eval_scalar(*call.args[i]); };
  switch (call.func->id) {
    case FunctionId::time:
      return static_cast<double>(ev.time()) / 1000;
    case FunctionId::vector:
      return Vector{Sample{Labels{}, arg_scalar(0), 0}};
    case FunctionId::scalar: {
      const auto v = arg_vector();
      return v.size() == 1 ? v[0].value : std::nan("");
    }
    case FunctionId::abs:
      return map_values(arg_vector(), [](double v) { return std::fabs(v); });
    case FunctionId::ceil:
      return map_values(arg_vector(), [](double v) { return std::ceil(v); });
    case FunctionId::floor:
      return map_values(arg_vector(), [](double v) { return std::floor(v); });
    case FunctionId::exp:
      return map_values(arg_vector(), [](double v) { return std::exp(v); });
    case FunctionId::sqrt:
      return map_values(arg_vector(), [](double v) { return std::sqrt(v); });
    case FunctionId::ln:
      return map_values(arg_vector(), [](double v) { return go_log(v); });
    case FunctionId::log2:
      return map_values(arg_vector(), [](double v) { return go_log2(v); });
    case FunctionId::log10:
      return map_values(arg_vector(), [](double v) { return go_log10(v); });
    case FunctionId::sgn:
      return map_values(arg_vector(), [](double v) { return v < 0 ? -1.0 : v > 0 ? 1.0 : v; });
    case FunctionId::round: {
      auto v = arg_vector();
      const double to_nearest = call.args.size() > 1 ? arg_scalar(1) : 1;
      // Prometheus rounds half up via the inverse, which is exact for the usual 0.1, 0.5, 10.
      const double inverse = 1.0 / to_nearest;
      return map_values(std::move(v),
                        [inverse](double x) { return std::floor(x * inverse + 0.5) / inverse; });
    }
    case FunctionId::clamp: {
      auto v = arg_vector();
      const double min = arg_scalar(1), max = arg_scalar(2);
      if (max < min) return Vector{};
      return map_values(std::move(v), [=](double x) { return go_max(min, go_min(max, x)); });
    }
    case FunctionId::clamp_max: {
      auto v = arg_vector();
      const double max = arg_scalar(1);
      return map_values(std::move(v), [=](double x) { return go_min(max, x); });
    }
    case FunctionId::clamp_min: {
      auto v = arg_vector();
      const double min = arg_scalar(1);
      return map_values(std::move(v), [=](double x) { return go_max(min, x); });
    }
    case FunctionId::sort:
      return sorted(arg_vector(), false);
    case FunctionId::sort_desc:
      return sorted(arg_vector(), true);
    case FunctionId::absent:
      if (!arg_vector().empty()) return Vector{};
      return Vector{Sample{absent_labels(*call.args[0]), 1, 0}};
    case FunctionId::timestamp:
      return timestamp_of(ev, *call.args[0]);
    case FunctionId::histogram_quantile:
      return histogram_quantile(ev, call);
    case FunctionId::hour:
    case FunctionId::minute:
    case FunctionId::day_of_week:
    case FunctionId::day_of_month:
    case FunctionId::day_of_year:
    case FunctionId::days_in_month:
    case FunctionId::month:
    case FunctionId::year:
      return date_function(ev, call);
    default:
      break;
  }
  throw EvalError("function " + std::string(call.func->name) + " needs a range vector argument");
}

}  // namespace hawatch::promql::engine
