#include "snapshot.h"

#include <algorithm>

#include "hawatch/version.h"
#include "metric_sink.h"

namespace hawatch {

using std::chrono::steady_clock;
using std::chrono::system_clock;

namespace {
double unix_seconds(system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}
}  // namespace

SnapshotStore::SnapshotStore() : reload_time_(system_clock::now()) {
  std::lock_guard lock(mutex_);
  rebuild_locked(steady_clock::now());
}

void SnapshotStore::begin_generation(std::uint64_t generation,
                                     std::vector<std::string> collectors) {
  std::lock_guard lock(mutex_);
  generation_ = generation;
  enabled_ = std::move(collectors);
  std::sort(enabled_.begin(), enabled_.end());
  std::erase_if(entries_, [&](const auto& kv) {
    return !std::binary_search(enabled_.begin(), enabled_.end(), kv.first);
  });
  rebuild_locked(steady_clock::now());
}

void SnapshotStore::publish(std::uint64_t generation, CollectorOutcome outcome) {
  std::shared_ptr<const PublishListener> listener;
  std::shared_ptr<const CollectorOutcome> published;
  {
    std::lock_guard lock(mutex_);
    if (generation != generation_) return;
    if (!std::binary_search(enabled_.begin(), enabled_.end(), outcome.collector)) return;
    Entry& entry = entries_[outcome.collector];
    if (outcome.success) entry.last_success = outcome.finished_at;
    entry.outcome = std::make_shared<const CollectorOutcome>(std::move(outcome));
    rebuild_locked(steady_clock::now());
    listener = listener_;
    published = entry.outcome;
  }
  if (listener && *listener) (*listener)(*published);
}

void SnapshotStore::set_publish_listener(PublishListener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::make_shared<const PublishListener>(std::move(listener));
}

void SnapshotStore::set_reload_status(bool successful, system_clock::time_point when) {
  std::lock_guard lock(mutex_);
  reload_ok_ = successful;
  if (successful) reload_time_ = when;
  rebuild_locked(steady_clock::now());
}

std::shared_ptr<const Exposition> SnapshotStore::current() {
  std::lock_guard lock(mutex_);
  const auto now = steady_clock::now();
  if (now >= exposition_->expires()) rebuild_locked(now);
  return exposition_;
}

void SnapshotStore::keep_values(bool keep) {
  std::lock_guard lock(mutex_);
  keep_values_ = keep;
  rebuild_locked(steady_clock::now());
}

bool SnapshotStore::keeps_values() const {
  std::lock_guard lock(mutex_);
  return keep_values_;
}

std::shared_ptr<const ValueSnapshot> SnapshotStore::values() {
  std::lock_guard lock(mutex_);
  const auto now = steady_clock::now();
  if (now >= exposition_->expires()) rebuild_locked(now);
  return values_;
}

bool SnapshotStore::ready() const {
  std::lock_guard lock(mutex_);
  return std::all_of(enabled_.begin(), enabled_.end(),
                     [&](const std::string& name) { return entries_.count(name) > 0; });
}

bool SnapshotStore::last_reload_successful() const {
  std::lock_guard lock(mutex_);
  return reload_ok_;
}

std::vector<CollectorStatus> SnapshotStore::status() const {
  std::lock_guard lock(mutex_);
  const auto now = steady_clock::now();
  std::vector<CollectorStatus> out;
  for (const auto& name : enabled_) {
    CollectorStatus s;
    s.collector = name;
    auto it = entries_.find(name);
    if (it != entries_.end() && it->second.outcome) {
      const auto& o = *it->second.outcome;
      s.reported = true;
      s.stale = now >= o.stale_at;
      s.success = o.success && !s.stale;
      s.error = s.stale && o.success ? "no fresh data (collector overdue)" : o.error;
      s.duration_seconds = o.duration_seconds;
      s.last_success = it->second.last_success;
    }
    out.push_back(std::move(s));
  }
  return out;
}

void SnapshotStore::rebuild_locked(steady_clock::time_point now) {
  auto expires = steady_clock::time_point::max();
  std::vector<const std::vector<PreparedFamily>*> groups;
  auto values = std::make_shared<ValueSnapshot>();

  MetricSink self;
  self.info("hawatch_build_info",
            "A metric with a constant '1' value labeled by version and revision.",
            {{"revision", kRevision}, {"version", kVersion}});
  self.gauge("hawatch_config_last_reload_successful",
             "Whether the last configuration reload attempt was successful.", reload_ok_ ? 1 : 0);
  self.gauge("hawatch_config_last_reload_success_timestamp_seconds",
             "Timestamp of the last successful configuration reload.", unix_seconds(reload_time_));

  for (const auto& [name, entry] : entries_) {
    if (!entry.outcome) continue;
    const CollectorOutcome& o = *entry.outcome;
    const bool stale = now >= o.stale_at;
    if (!stale) {
      expires = std::min(expires, o.stale_at);
      groups.push_back(&o.families);
      if (keep_values_ && o.values) values->groups.push_back({name, o.finished_at, o.values});
    }
    const Labels label{{"collector", name}};
    self.gauge("hawatch_collector_success",
               "Whether the collector's last run succeeded with fresh data.",
               o.success && !stale ? 1 : 0, label);
    self.gauge("hawatch_collector_duration_seconds", "How long the collector's last run took.",
               o.duration_seconds, label);
    self.gauge("hawatch_collector_last_success_timestamp_seconds",
               "When the collector last succeeded (0 if never).",
               entry.last_success ? unix_seconds(*entry.last_success) : 0, label);
  }
  if (keep_values_)
    values->groups.insert(values->groups.begin(),
                          {"", system_clock::now(),
                           std::make_shared<const SeriesValues>(series_values(self.families()))});
  const auto self_families = prepare_families(self.take());
  groups.insert(groups.begin(), &self_families);
  exposition_ = std::make_shared<const Exposition>(merge_families(groups), expires);
  values_ = std::move(values);
}

void set_samples(CollectorOutcome& outcome, const std::vector<prometheus::MetricFamily>& families,
                 const SnapshotStore& store) {
  outcome.families = prepare_families(families);
  if (store.keeps_values())
    outcome.values = std::make_shared<const SeriesValues>(series_values(families));
}

}  // namespace hawatch
