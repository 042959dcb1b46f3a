#include "snapshot_feed.h"

namespace hawatch::local {

promql::Labels to_labels(const SeriesValue& v) {
  std::vector<promql::Label> items;
  items.reserve(v.labels.size() + 1);
  items.push_back({"__name__", v.name});
  for (const auto& [name, value] : v.labels) items.push_back({name, value});
  return promql::Labels(std::move(items));
}

void SnapshotFeed::feed(const ValueSnapshot& snapshot, promql::MemoryStorage& storage,
                        promql::Timestamp now) {
  std::set<std::string> present;
  for (const auto& group : snapshot.groups) {
    if (skip_.contains(group.collector) || !group.values) continue;
    present.insert(group.collector);
    Seen& seen = seen_[group.collector];
    if (group.at == seen.at) continue;  // this run was appended already
    const promql::Timestamp t =
        std::chrono::duration_cast<std::chrono::milliseconds>(group.at.time_since_epoch()).count();
    std::set<promql::Labels> series;
    for (const auto& v : *group.values) {
      auto labels = to_labels(v);
      storage.append(labels, t, v.value);
      series.insert(std::move(labels));
    }
    for (const auto& gone : seen.series)
      if (!series.contains(gone)) storage.mark_stale(gone, t);
    seen.at = group.at;
    seen.series = std::move(series);
  }
  // A collector whose data dropped out of the snapshot (stale, or no longer configured).
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (present.contains(it->first)) {
      ++it;
      continue;
    }
    for (const auto& gone : it->second.series) storage.mark_stale(gone, now);
    it = seen_.erase(it);
  }
}

}  // namespace hawatch::local
