#pragma once
// The failover groups running in the daemon: one thread per group drives its Controller with the
// health results the snapshot store hands on as they are published (a probe's
// hawatch_probe_success, or a local rule's ALERTS), the network collector's gateway check, and
// time. Every decision goes to the audit log; state changes are persisted; every transition is
// handed on as an alert; the groups' figures are published as the unit "failover".

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "actions.h"
#include "audit_log.h"
#include "controller.h"
#include "core/snapshot.h"
#include "model/alert.h"

namespace hawatch::alerting::failover {

inline constexpr const char* kFailoverUnit = "failover";

struct ServiceOptions {
  std::filesystem::path state_directory;  // empty: state and audit file are not kept
  // Each transition as an alert (alertname=FailoverTransition), for the receivers.
  std::function<void(std::vector<Alert>)> on_transition;
  ControllerTiming timing;
};

class GroupRunner;

class FailoverService : public FailoverActions {
 public:
  FailoverService(std::shared_ptr<SnapshotStore> store, ServiceOptions options);
  ~FailoverService() override;
  FailoverService(const FailoverService&) = delete;
  FailoverService& operator=(const FailoverService&) = delete;

  // Starts new groups, hands kept ones their new config (state and counters stay; a group whose
  // record or addresses changed starts over from the served record), stops removed ones.
  void configure(std::vector<GroupConfig> groups);
  void stop();
  bool empty() const;
  // Whether the store must keep values for it (a probe or alert health source).
  bool needs_values() const { return !empty(); }
  // The store's generation the "failover" unit is published under (the daemon's).
  void set_generation(std::uint64_t generation);
  void set_on_transition(std::function<void(std::vector<Alert>)> callback);

  // Hands a published outcome to the groups that read it. Never blocks on a DNS update.
  void observe(const CollectorOutcome& outcome);

  ActionReply fail_over(const std::string& group, const std::string& reason) override;
  ActionReply fail_back(const std::string& group, const std::string& reason) override;

  // GET /api/v1/failover: every group's state.
  std::string state_json() const;
  // The status page's section (escaped HTML).
  std::string status_html() const;
  // Publishes the unit now (also done after every change and every few seconds).
  void publish();

 private:
  std::shared_ptr<GroupRunner> find(const std::string& group) const;
  void on_decisions(const std::string& group, const std::vector<Decision>& decisions);

  std::shared_ptr<SnapshotStore> store_;
  ServiceOptions options_;
  AuditLog audit_;
  mutable std::mutex mutex_;  // runners_, generation_, options_.on_transition
  std::map<std::string, std::shared_ptr<GroupRunner>> runners_;
  std::uint64_t generation_ = 0;
  std::mutex publish_mutex_;  // one publication at a time, in order
};

// A transition decision as the alert the receivers send.
Alert transition_alert(const GroupConfig& group, const Decision& d);

}  // namespace hawatch::alerting::failover
