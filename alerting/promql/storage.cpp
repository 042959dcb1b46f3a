// MemoryStorage: series kept in a map by label set, points in time order. select() is a linear
// scan over series, which is what a single node's few thousand local series need.
#include <algorithm>
#include <map>

#include "promql.h"

namespace hawatch::promql {

struct MemoryStorage::Impl {
  std::chrono::milliseconds retention;
  std::map<Labels, std::vector<Point>> series;
};

MemoryStorage::MemoryStorage(std::chrono::milliseconds retention)
    : impl_(std::make_unique<Impl>(Impl{retention, {}})) {}
MemoryStorage::~MemoryStorage() = default;
MemoryStorage::MemoryStorage(MemoryStorage&&) noexcept = default;
MemoryStorage& MemoryStorage::operator=(MemoryStorage&&) noexcept = default;

void MemoryStorage::append(const Labels& labels, Timestamp t, double v) {
  auto& points = impl_->series[labels];
  // Out of order or a second value at the same time: Prometheus' TSDB rejects those too.
  if (!points.empty() && t <= points.back().t) return;
  points.push_back(Point{t, v});
}

void MemoryStorage::mark_stale(const Labels& labels, Timestamp t) {
  append(labels, t, stale_nan());
}

void MemoryStorage::compact(Timestamp now) {
  const Timestamp oldest = now - impl_->retention.count();
  for (auto it = impl_->series.begin(); it != impl_->series.end();) {
    auto& points = it->second;
    const auto keep = std::lower_bound(points.begin(), points.end(), oldest,
                                       [](const Point& p, Timestamp ts) { return p.t < ts; });
    points.erase(points.begin(), keep);
    it = points.empty() ? impl_->series.erase(it) : std::next(it);
  }
}

std::size_t MemoryStorage::series_count() const {
  return impl_->series.size();
}

void MemoryStorage::select(const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt,
                           const std::function<void(const Series&)>& visit) const {
  Series out;
  for (const auto& entry : impl_->series) {
    const Labels& labels = entry.first;
    const std::vector<Point>& points = entry.second;
    const bool match = std::all_of(matchers.begin(), matchers.end(), [&](const Matcher& m) {
      return m.matches(labels.get(m.name).value_or(""));
    });
    if (!match) continue;
    const auto first = std::lower_bound(points.begin(), points.end(), mint,
                                        [](const Point& p, Timestamp ts) { return p.t < ts; });
    const auto last = std::upper_bound(first, points.end(), maxt,
                                       [](Timestamp ts, const Point& p) { return ts < p.t; });
    out.labels = labels;
    out.points.assign(first, last);
    visit(out);
  }
}

}  // namespace hawatch::promql
