#include "service/alert_store.h"

namespace hawatch::alerting {

std::optional<Alert> AlertStore::put(const Alert& alert, const std::string& source, Time now) {
  const std::lock_guard lock(mutex_);
  const Fingerprint fp = alert.fingerprint();
  auto it = alerts_.find(fp);
  if (it == alerts_.end()) {
    if (alerts_.size() >= max_alerts_) return std::nullopt;
    it = alerts_.emplace(fp, StoredAlert{alert, source}).first;
    return it->second.alert;
  }
  // A new occurrence (the old one ended before this started) replaces the old one.
  it->second.alert =
      overlaps(it->second.alert, alert) ? merge_alerts(it->second.alert, alert, now) : alert;
  it->second.source = source;
  return it->second.alert;
}

std::vector<StoredAlert> AlertStore::list() const {
  const std::lock_guard lock(mutex_);
  std::vector<StoredAlert> out;
  out.reserve(alerts_.size());
  for (const auto& [fp, a] : alerts_) out.push_back(a);
  return out;
}

std::optional<StoredAlert> AlertStore::get(Fingerprint fp) const {
  const std::lock_guard lock(mutex_);
  auto it = alerts_.find(fp);
  if (it == alerts_.end()) return std::nullopt;
  return it->second;
}

std::size_t AlertStore::gc(Time now, Duration retention) {
  const std::lock_guard lock(mutex_);
  return std::erase_if(
      alerts_, [&](const auto& entry) { return entry.second.alert.resolved_at(now - retention); });
}

std::size_t AlertStore::size() const {
  const std::lock_guard lock(mutex_);
  return alerts_.size();
}

}  // namespace hawatch::alerting
