// MemoryStorage: series kept in a map by label set, points in time order. select() is a linear
// scan over series, which is what a single node's few thousand local series need.
#include <algorithm>
#include <deque>
#include <map>

#include "promql.h"

namespace hawatch::promql {

struct MemoryStorage::Impl {
  // A deque: compaction drops the oldest points every evaluation, which a vector pays for with a
  // move of the whole series and keeps its peak capacity (up to twice the points) for good.
  using ByLabels = std::map<Labels, std::deque<Point>>;
  std::chrono::milliseconds retention;
  // By metric name first: nearly every selector names its metric, and visiting only that name's
  // series keeps a selection proportional to what it matches rather than to the whole storage
  // (Prometheus' postings index does the same for every label).
  std::map<std::string, ByLabels, std::less<>> series;
};

MemoryStorage::MemoryStorage(std::chrono::milliseconds retention)
    : impl_(std::make_unique<Impl>(Impl{retention, {}})) {}
MemoryStorage::~MemoryStorage() = default;
MemoryStorage::MemoryStorage(MemoryStorage&&) noexcept = default;
MemoryStorage& MemoryStorage::operator=(MemoryStorage&&) noexcept = default;

void MemoryStorage::append(const Labels& labels, Timestamp t, double v) {
  auto& points = impl_->series[std::string(labels.metric_name())][labels];
  // Out of order or a second value at the same time: Prometheus' TSDB rejects those too.
  if (!points.empty() && t <= points.back().t) return;
  points.push_back(Point{t, v});
}

void MemoryStorage::mark_stale(const Labels& labels, Timestamp t) {
  append(labels, t, stale_nan());
}

void MemoryStorage::compact(Timestamp now) {
  const Timestamp oldest = now - impl_->retention.count();
  for (auto name = impl_->series.begin(); name != impl_->series.end();) {
    auto& by_labels = name->second;
    for (auto it = by_labels.begin(); it != by_labels.end();) {
      auto& points = it->second;
      const auto keep = std::lower_bound(points.begin(), points.end(), oldest,
                                         [](const Point& p, Timestamp ts) { return p.t < ts; });
      points.erase(points.begin(), keep);
      it = points.empty() ? by_labels.erase(it) : std::next(it);
    }
    name = by_labels.empty() ? impl_->series.erase(name) : std::next(name);
  }
}

void MemoryStorage::set_retention(std::chrono::milliseconds retention) {
  impl_->retention = retention;
}

std::chrono::milliseconds MemoryStorage::retention() const {
  return impl_->retention;
}

std::size_t MemoryStorage::series_count() const {
  std::size_t n = 0;
  for (const auto& [name, by_labels] : impl_->series) n += by_labels.size();
  return n;
}

void MemoryStorage::select(const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt,
                           const std::function<void(const Series&)>& visit) const {
  Series out;
  const auto visit_name = [&](const Impl::ByLabels& by_labels) {
    for (const auto& entry : by_labels) {
      const Labels& labels = entry.first;
      const std::deque<Point>& points = entry.second;
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
  };
  // An equality matcher on the name picks its bucket; anything else looks at every name.
  for (const auto& m : matchers) {
    if (m.name == "__name__" && m.type == MatchType::equal) {
      if (const auto it = impl_->series.find(m.value); it != impl_->series.end())
        visit_name(it->second);
      return;
    }
  }
  for (const auto& [name, by_labels] : impl_->series) visit_name(by_labels);
}

}  // namespace hawatch::promql
