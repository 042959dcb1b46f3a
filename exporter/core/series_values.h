#pragma once
// The values a collector's run produced, as numbers rather than text: what the local rule
// evaluator reads (alerting/) without parsing /metrics. Built only when something reads them
// (SnapshotStore::keep_values), from the same families the exposition text is made of, so the two
// always agree.

#include <prometheus/metric_family.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hawatch {

struct SeriesValue {
  std::string name;                                         // the family name
  std::vector<std::pair<std::string, std::string>> labels;  // as the collector emitted them
  double value = 0;
};
using SeriesValues = std::vector<SeriesValue>;

// Gauges, counters and untyped samples; histogram and summary families (hawatch's collectors
// emit none) would need their _bucket/_sum/_count expansion and are left out.
SeriesValues series_values(const std::vector<prometheus::MetricFamily>& families);

// Every value a scrape of this snapshot would show: one group per fresh collector outcome (its
// finished_at is the samples' time) and hawatch's own series (at the snapshot's build time).
struct ValueSnapshot {
  struct Group {
    std::string collector;  // "" for hawatch's own series
    std::chrono::system_clock::time_point at;
    std::shared_ptr<const SeriesValues> values;
  };
  std::vector<Group> groups;
};

}  // namespace hawatch
