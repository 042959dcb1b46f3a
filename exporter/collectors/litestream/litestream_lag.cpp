#include "litestream_lag.h"

#include <algorithm>

namespace hawatch::litestream {

void LagTracker::remember(double local_last_write) {
  if (!pending_.empty() && local_last_write <= pending_.back()) return;
  pending_.push_back(local_last_write);
  // Bounded memory after days of stopped replication: forget the second-oldest write. The oldest
  // is what the lag counts from; once the replica passes it the next one is at worst a little
  // later than the forgotten one, so the lag then reads a little low, never high.
  if (pending_.size() > std::max<std::size_t>(max_remembered_, 2))
    pending_.erase(pending_.begin() + 1);
}

std::optional<double> LagTracker::observe(double now, std::optional<double> local_last_write,
                                          std::optional<double> replica_newest_write) {
  if (local_last_write) remember(*local_last_write);
  if (!replica_newest_write) return std::nullopt;
  while (!pending_.empty() && pending_.front() <= *replica_newest_write) pending_.pop_front();
  if (pending_.empty()) return 0.0;
  // A wall clock stepped back must not make the lag negative.
  return std::max(0.0, now - pending_.front());
}

}  // namespace hawatch::litestream
