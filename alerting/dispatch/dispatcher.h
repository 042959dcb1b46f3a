#pragma once
// Aggregation groups (Alertmanager dispatch/dispatch.go). Each alert is routed; for every route it
// reaches it joins the group of that route and its group_by labels. A new group waits group_wait
// before its first flush (at once if its alert started longer than group_wait ago), then flushes
// every group_interval; whether a flush sends anything (something new, resolved, or
// repeat_interval passed) is the notification pipeline's dedup stage's decision, as upstream.
//
// Time is passed in (`now`), never read: run_due() is driven by DispatchLoop with the system
// clock in the daemon and by hand in tests, which are then exact and instant.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dispatch/route.h"
#include "model/alert.h"

namespace hawatch::alerting {

// One flush of one group: what the notification pipeline receives.
struct GroupNotification {
  std::string group_key;  // route key + ":" + group labels, as Alertmanager's groupKey
  const Route* route = nullptr;
  LabelSet group_labels;
  std::vector<Alert> alerts;  // sorted as Alertmanager sorts; firing ones have ends_at unset
  Time now{};
};

// Returns true when the notification was taken (delivered or durably queued): only then are the
// group's resolved alerts forgotten.
using NotifyFunction = std::function<bool(const GroupNotification&)>;

struct GroupInfo {
  std::string group_key;
  std::string receiver;
  LabelSet group_labels;
  std::vector<Alert> alerts;
  Time next_flush{};
};

class Dispatcher {
 public:
  // Bounds on what hostile or runaway senders can make the dispatcher hold.
  struct Limits {
    std::size_t max_groups = 10000;
    std::size_t max_alerts_per_group = 10000;
  };
  Dispatcher(std::shared_ptr<const Route> root, NotifyFunction notify, Limits limits);
  Dispatcher(std::shared_ptr<const Route> root, NotifyFunction notify)
      : Dispatcher(std::move(root), std::move(notify), Limits{}) {}

  // Routes `alert` and adds it to (or merges it into) its groups. False when a limit refused it
  // for some group (it was still added where there was room).
  bool insert(const Alert& alert, Time now);
  // Flushes every group whose time has come; drops empty groups every maintenance interval.
  void run_due(Time now);
  // When run_due() next has something to do; nullopt without groups.
  std::optional<Time> next_due() const;

  std::size_t group_count() const;
  std::vector<GroupInfo> groups() const;

  static constexpr Duration kMaintenanceInterval = std::chrono::seconds(30);

 private:
  struct Group {
    const Route* route = nullptr;
    LabelSet labels;
    std::string key;
    std::map<Fingerprint, Alert> alerts;
    Time next_flush{};
    bool has_flushed = false;
  };
  using GroupId = std::pair<const Route*, Fingerprint>;

  bool insert_into(Group& group, const Alert& alert, Time now);
  GroupNotification snapshot(const Group& group, Time now) const;
  void forget_resolved(const GroupId& id, const GroupNotification& sent);

  std::shared_ptr<const Route> root_;
  NotifyFunction notify_;
  Limits limits_;
  mutable std::mutex mutex_;
  std::map<GroupId, Group> groups_;
  Time next_maintenance_{};
};

}  // namespace hawatch::alerting
