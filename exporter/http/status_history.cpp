#include "status_history.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "status_page.h"

namespace hawatch {

namespace {

std::string label(const plugins::PromSample& s, std::string_view name) {
  for (const auto& [k, v] : s.labels)
    if (k == name) return v;
  return {};
}

struct KeyValue {
  std::string key;
  Sparkline meta;  // title and unit; no points
  double value;
};

// The families the page draws, and how each sample is titled.
std::vector<KeyValue> key_values(const plugins::PromText& exposition) {
  std::vector<KeyValue> out;
  for (const plugins::PromFamily& family : exposition.families) {
    for (const plugins::PromSample& s : family.samples) {
      if (!std::isfinite(s.value)) continue;
      if (family.name == "hawatch_node_load1") {
        out.push_back({"load1", {"Load (1 min)", "", {}}, s.value});
      } else if (family.name == "hawatch_replication_lag_seconds") {
        const std::string who = label(s, "name") + "/" + label(s, "replica");
        out.push_back({"lag/" + who, {"Replication lag " + who, "s", {}}, s.value});
      } else if (family.name == "hawatch_ups_battery_charge_ratio") {
        out.push_back({"ups/" + label(s, "ups"),
                       {"UPS " + label(s, "ups") + " charge", "%", {}},
                       s.value * 100});
      }
    }
  }
  return out;
}

}  // namespace

StatusHistory::StatusHistory(std::chrono::seconds span, std::size_t max_points,
                             std::size_t max_series)
    : span_(span), max_points_(std::max<std::size_t>(max_points, 2)), max_series_(max_series) {}

void StatusHistory::sample(const plugins::PromText& exposition, TimePoint now) {
  const auto values = key_values(exposition);
  std::lock_guard lock(mutex_);
  for (const KeyValue& kv : values) {
    auto it = series_.find(kv.key);
    if (it == series_.end()) {
      if (series_.size() >= max_series_) continue;  // bounded, whatever the exposition holds
      it = series_.emplace(kv.key, kv.meta).first;
    }
    auto& points = it->second.points;
    points.emplace_back(now, kv.value);
    // The oldest drop out by age and by count.
    const auto keep_from = now - span_;
    const auto old_end = std::find_if(points.begin(), points.end(),
                                      [&](const auto& p) { return p.first >= keep_from; });
    points.erase(points.begin(), old_end);
    if (points.size() > max_points_)
      points.erase(points.begin(),
                   points.begin() + static_cast<std::ptrdiff_t>(points.size() - max_points_));
  }
  std::erase_if(series_, [&](const auto& entry) {
    const auto& points = entry.second.points;
    return points.empty() || points.back().first < now - span_;
  });
}

std::vector<Sparkline> StatusHistory::sparklines() const {
  std::lock_guard lock(mutex_);
  std::vector<Sparkline> out;
  out.reserve(series_.size());
  for (const auto& [key, line] : series_) out.push_back(line);
  return out;
}

std::string render_sparkline(const Sparkline& line) {
  constexpr double kWidth = 120, kHeight = 24;
  if (line.points.empty()) return {};
  double lo = line.points.front().second, hi = lo;
  for (const auto& p : line.points) {
    lo = std::min(lo, p.second);
    hi = std::max(hi, p.second);
  }
  const double t0 =
      std::chrono::duration<double>(line.points.front().first.time_since_epoch()).count();
  const double t1 =
      std::chrono::duration<double>(line.points.back().first.time_since_epoch()).count();
  std::string points;
  char buf[64];
  for (const auto& p : line.points) {
    const double t = std::chrono::duration<double>(p.first.time_since_epoch()).count();
    const double x = t1 > t0 ? (t - t0) / (t1 - t0) * kWidth : kWidth;
    const double y =
        hi > lo ? kHeight - 2 - (p.second - lo) / (hi - lo) * (kHeight - 4) : kHeight / 2;
    std::snprintf(buf, sizeof buf, "%s%.1f,%.1f", points.empty() ? "" : " ", x, y);
    points += buf;
  }
  std::snprintf(buf, sizeof buf, "%.3g", line.points.back().second);
  const std::string last = buf + (line.unit.empty() ? std::string() : " " + line.unit);
  std::snprintf(buf, sizeof buf, "%.3g&ndash;%.3g", lo, hi);
  return "<div class=\"spark\"><span class=\"spark-title\">" + html_escape(line.title) +
         "</span> <svg class=\"sparkline\" role=\"img\" aria-label=\"" + html_escape(line.title) +
         " over the last hour\" viewBox=\"0 0 120 24\" width=\"120\" height=\"24\"><polyline "
         "fill=\"none\" stroke=\"#1565c0\" stroke-width=\"1.5\" points=\"" +
         points + "\"/></svg> <b>" + html_escape(last) + "</b> <small>(" + buf + ", " +
         std::to_string(line.points.size()) + " samples)</small></div>\n";
}

}  // namespace hawatch
