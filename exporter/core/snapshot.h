#pragma once
// The immutable snapshot a scrape serves. Collectors publish outcomes here when they finish; a
// scrape takes the current Exposition (a shared_ptr copy under a short lock) and never waits for
// a collector.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "exposition.h"
#include "series_values.h"

namespace hawatch {

struct CollectorOutcome {
  std::string collector;
  bool success = false;
  std::string error;  // first problem, for the status page and logs
  double duration_seconds = 0;
  std::chrono::system_clock::time_point finished_at{};
  // After this instant the outcome's samples are dropped and the collector reads as failed.
  std::chrono::steady_clock::time_point stale_at{};
  std::vector<PreparedFamily> families;
  // The same samples as numbers, when the store keeps values (null otherwise).
  std::shared_ptr<const SeriesValues> values;
};

struct CollectorStatus {
  std::string collector;
  bool reported = false;
  bool success = false;
  bool stale = false;
  std::string error;
  double duration_seconds = 0;
  std::optional<std::chrono::system_clock::time_point> last_success;
};

class SnapshotStore {
 public:
  SnapshotStore();

  // Starts a config generation with its set of enabled collectors; outcomes of older generations
  // are ignored from now on. Outcomes of collectors that stay enabled are kept, so a reload leaves
  // no gap in the data.
  void begin_generation(std::uint64_t generation, std::vector<std::string> collectors);
  void publish(std::uint64_t generation, CollectorOutcome outcome);
  void set_reload_status(bool successful, std::chrono::system_clock::time_point when);

  // The snapshot to serve; rebuilt here when stale data is due to drop out (cheap: no collection).
  std::shared_ptr<const Exposition> current();

  // Whether collectors should publish their values too (the local rule evaluator reads them);
  // off by default, so a node without rules pays nothing for them.
  void keep_values(bool keep);
  bool keeps_values() const;
  // The values of the current snapshot: fresh outcomes only, stale ones dropped as in current().
  std::shared_ptr<const ValueSnapshot> values();

  // Called with every accepted outcome, on the publishing thread, after the store's lock is
  // released: what reacts to a result (the failover controller, to a 1 s probe) sees it within
  // milliseconds instead of polling. It must only hand the outcome on, never block.
  using PublishListener = std::function<void(const CollectorOutcome&)>;
  void set_publish_listener(PublishListener listener);

  // True when every enabled collector has reported at least once.
  bool ready() const;
  std::vector<CollectorStatus> status() const;
  bool last_reload_successful() const;

 private:
  struct Entry {
    std::shared_ptr<const CollectorOutcome> outcome;
    std::optional<std::chrono::system_clock::time_point> last_success;
  };
  // Caller holds mutex_.
  void rebuild_locked(std::chrono::steady_clock::time_point now);

  mutable std::mutex mutex_;
  std::uint64_t generation_ = 0;
  std::vector<std::string> enabled_;
  std::map<std::string, Entry> entries_;
  bool reload_ok_ = true;
  std::chrono::system_clock::time_point reload_time_;
  std::shared_ptr<const Exposition> exposition_;
  bool keep_values_ = false;
  std::shared_ptr<const PublishListener> listener_;
  std::shared_ptr<const ValueSnapshot> values_ = std::make_shared<ValueSnapshot>();
};

// A unit's samples into its outcome: the text /metrics serves and, when the store keeps values,
// the numbers the local rules read. Every publisher goes through this, so none leaves the rules
// blind to its series (the alerting and failover units once did).
void set_samples(CollectorOutcome& outcome, const std::vector<prometheus::MetricFamily>& families,
                 const SnapshotStore& store);

}  // namespace hawatch
