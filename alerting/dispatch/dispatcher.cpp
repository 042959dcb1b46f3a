#include "dispatch/dispatcher.h"

#include <algorithm>

namespace hawatch::alerting {

Dispatcher::Dispatcher(std::shared_ptr<const Route> root, NotifyFunction notify, Limits limits)
    : root_(std::move(root)), notify_(std::move(notify)), limits_(limits) {}

bool Dispatcher::insert(const Alert& alert, Time now) {
  const std::lock_guard lock(mutex_);
  if (next_maintenance_ == Time{}) next_maintenance_ = now + kMaintenanceInterval;
  bool taken = true;
  for (const Route* route : root_->match(alert.labels)) {
    LabelSet labels = route->group_labels(alert.labels);
    const GroupId id{route, fingerprint(labels)};
    auto it = groups_.find(id);
    if (it == groups_.end()) {
      if (groups_.size() >= limits_.max_groups) {
        taken = false;
        continue;
      }
      Group g;
      g.route = route;
      g.key = route->key() + ":" + format_label_set(labels);
      g.labels = std::move(labels);
      g.next_flush = now + route->options().group_wait;
      it = groups_.emplace(id, std::move(g)).first;
    }
    taken = insert_into(it->second, alert, now) && taken;
  }
  return taken;
}

bool Dispatcher::insert_into(Group& group, const Alert& alert, Time now) {
  const Fingerprint fp = alert.fingerprint();
  auto existing = group.alerts.find(fp);
  if (existing != group.alerts.end() && overlaps(existing->second, alert)) {
    existing->second = merge_alerts(existing->second, alert, now);
  } else if (existing != group.alerts.end() || group.alerts.size() < limits_.max_alerts_per_group) {
    group.alerts[fp] = alert;
  } else {
    return false;
  }
  // An alert older than group_wait (say, re-sent after a restart) need not wait again.
  if (!group.has_flushed && alert.starts_at + group.route->options().group_wait < now) {
    group.next_flush = std::min(group.next_flush, now);
  }
  return true;
}

GroupNotification Dispatcher::snapshot(const Group& group, Time now) const {
  GroupNotification n{group.key, group.route, group.labels, {}, now};
  n.alerts.reserve(group.alerts.size());
  for (const auto& [fp, alert] : group.alerts) {
    Alert a = alert;
    if (!a.resolved_at(now)) a.ends_at = Time{};  // firing as of this flush, whatever comes later
    n.alerts.push_back(std::move(a));
  }
  std::stable_sort(n.alerts.begin(), n.alerts.end(), alert_before);
  return n;
}

void Dispatcher::run_due(Time now) {
  std::vector<std::pair<GroupId, GroupNotification>> due;
  {
    const std::lock_guard lock(mutex_);
    for (auto& [id, group] : groups_) {
      if (group.next_flush > now) continue;
      group.next_flush = now + group.route->options().group_interval;
      group.has_flushed = true;
      if (!group.alerts.empty()) due.emplace_back(id, snapshot(group, now));
    }
  }
  for (auto& [id, notification] : due) {
    if (notify_(notification)) forget_resolved(id, notification);
  }
  const std::lock_guard lock(mutex_);
  if (next_maintenance_ != Time{} && now >= next_maintenance_) {
    std::erase_if(groups_, [](const auto& entry) { return entry.second.alerts.empty(); });
    next_maintenance_ = now + kMaintenanceInterval;
  }
}

void Dispatcher::forget_resolved(const GroupId& id, const GroupNotification& sent) {
  const std::lock_guard lock(mutex_);
  auto it = groups_.find(id);
  if (it == groups_.end()) return;
  for (const Alert& a : sent.alerts) {
    if (!a.resolved_at(sent.now)) continue;
    auto current = it->second.alerts.find(a.fingerprint());
    // Only when it has not been updated since: a re-fired alert must stay.
    if (current != it->second.alerts.end() && current->second.updated_at == a.updated_at) {
      it->second.alerts.erase(current);
    }
  }
}

std::optional<Time> Dispatcher::next_due() const {
  const std::lock_guard lock(mutex_);
  std::optional<Time> next;
  for (const auto& [id, group] : groups_) {
    if (!next || group.next_flush < *next) next = group.next_flush;
  }
  if (next && next_maintenance_ != Time{} && next_maintenance_ < *next) next = next_maintenance_;
  return next;
}

std::size_t Dispatcher::group_count() const {
  const std::lock_guard lock(mutex_);
  return groups_.size();
}

std::vector<GroupInfo> Dispatcher::groups() const {
  const std::lock_guard lock(mutex_);
  std::vector<GroupInfo> out;
  for (const auto& [id, g] : groups_) {
    GroupInfo info{g.key, g.route->options().receiver, g.labels, {}, g.next_flush};
    for (const auto& [fp, a] : g.alerts) info.alerts.push_back(a);
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace hawatch::alerting
