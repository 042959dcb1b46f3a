#pragma once
// Feeds the rule engine's in-memory storage from the exporter's snapshot (core/snapshot.h): each
// collector run's values are appended once, at the time the run finished, as a scrape would have
// stored them; a series a collector stops producing, or a collector whose data went stale, gets a
// staleness marker, so rules see it end at once instead of lingering for the 5 m lookback.

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "core/series_values.h"
#include "promql/promql.h"

namespace hawatch::local {

class SnapshotFeed {
 public:
  // Groups named in `skip` (the rules' own output, which the rule groups append themselves) are
  // left out.
  explicit SnapshotFeed(std::set<std::string> skip = {}) : skip_(std::move(skip)) {}

  // Appends what is new in `snapshot` to `storage`; `now` stamps the staleness markers.
  void feed(const ValueSnapshot& snapshot, promql::MemoryStorage& storage, promql::Timestamp now);

 private:
  struct Seen {
    std::chrono::system_clock::time_point at{};
    std::set<promql::Labels> series;
  };
  std::set<std::string> skip_;
  std::map<std::string, Seen> seen_;  // by collector
};

// The labels of one collector sample as PromQL sees them: __name__ plus the sample's labels.
promql::Labels to_labels(const SeriesValue& v);

}  // namespace hawatch::local
