#pragma once
// How far a litestream replica is behind its local SQLite database, in seconds, from file times
// alone (litestream 0.3 serves no lag metric of its own).
//
// Inputs per run: the local database's last write L (mtime of the -wal file, where every WAL-mode
// write lands first) and the replica's newest write R (mtime of its newest snapshot/WAL segment).
// The tracker remembers, across runs, every distinct L it saw that the replica had not caught up
// with yet. The lag is
//
//     now - (oldest remembered L that is newer than R)     and 0 when R >= every remembered L,
//
// i.e. for how long the replica has been missing a change we know of. This gives:
//   - an idle database written a moment ago: L is new, so the lag is "a moment", not the hour
//     since the previous replica write (which `L - R` or `now - R` would report);
//   - replication stopped while writes go on: the oldest unreplicated L stays put and the lag
//     grows by one second per second;
//   - replication working under continuous writes: R passes each remembered L within one sync
//     interval, so the lag stays about the sync interval.
// A change made and replicated entirely between two runs is never seen, which is fine: the
// replica had it. What the tracker cannot know is how long the replica was already behind when
// hawatch started: the first run counts from the L it sees then.

#include <cstddef>
#include <deque>
#include <optional>

namespace hawatch::litestream {

class LagTracker {
 public:
  explicit LagTracker(std::size_t max_remembered = 4096) : max_remembered_(max_remembered) {}

  // All times are seconds since the epoch. `replica_newest_write` is nullopt when the replica
  // could not be read or holds nothing yet: the local write is still remembered, and the lag is
  // unknown (nullopt). `local_last_write` nullopt (database unreadable) only reports the lag.
  std::optional<double> observe(double now, std::optional<double> local_last_write,
                                std::optional<double> replica_newest_write);

  std::size_t remembered() const { return pending_.size(); }

 private:
  void remember(double local_last_write);

  std::size_t max_remembered_;
  std::deque<double> pending_;  // increasing local write times the replica had not reached
};

}  // namespace hawatch::litestream
