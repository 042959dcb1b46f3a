#pragma once
// The alerts hawatch holds, whatever sent them (Alertmanager's mem provider): one per
// fingerprint, a re-sent alert merged into the one held while they overlap in time. The API
// lists them; a routing reload feeds them to the new dispatcher. Bounded: beyond max_alerts new
// fingerprints are refused. Resolved alerts are dropped by gc() once past the retention.

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/alert.h"

namespace hawatch::alerting {

struct StoredAlert {
  Alert alert;
  std::string source;  // "local", "api", "webhook", "self": who sent it last
};

class AlertStore {
 public:
  explicit AlertStore(std::size_t max_alerts = 50000) : max_alerts_(max_alerts) {}

  // Merges `alert` into the one held (or adds it) and returns what is held now; nullopt when the
  // store is full and `alert` is new.
  std::optional<Alert> put(const Alert& alert, const std::string& source, Time now);
  std::vector<StoredAlert> list() const;
  std::optional<StoredAlert> get(Fingerprint fp) const;
  // Drops alerts resolved longer than `retention` ago; returns how many.
  std::size_t gc(Time now, Duration retention);
  std::size_t size() const;

 private:
  std::size_t max_alerts_;
  mutable std::mutex mutex_;
  std::map<Fingerprint, StoredAlert> alerts_;
};

}  // namespace hawatch::alerting
