#pragma once
// The failover half of the alerting module: the failover: section read with the update hooks,
// and the FailoverService tied to the rest of the daemon — its health feed (the snapshot
// store's publish listener), its transitions as alerts for the receivers, and the target of the
// dns_update_configs receivers. In the module, so that a node without alerting or failover maps
// none of the hooks' libraries.

#include <memory>
#include <mutex>
#include <vector>

#include "core/config.h"
#include "failover/service.h"
#include "service/build_receivers.h"

namespace hawatch::alerting {

// Reads config.failover (probe health sources checked against collectors.probes, `update:`
// blocks read by the hooks); problems go to `ctx` with their FILE:LINE:COL.
std::vector<failover::GroupConfig> read_failover_groups(const Config& config, ConfigContext& ctx);

// What the dns_update_configs receivers drive. A plan's receivers are built before the runtime
// that runs them exists, so they get this stand-in, which the runtime points at its service.
class FailoverActionsSlot : public failover::FailoverActions {
 public:
  void set(std::shared_ptr<failover::FailoverActions> target);
  failover::ActionReply fail_over(const std::string& group, const std::string& reason) override;
  failover::ActionReply fail_back(const std::string& group, const std::string& reason) override;

 private:
  std::shared_ptr<failover::FailoverActions> target() const;
  mutable std::mutex mutex_;
  std::shared_ptr<failover::FailoverActions> target_;
};
// The process' one slot (one daemon per process).
const std::shared_ptr<FailoverActionsSlot>& failover_actions_slot();

ReceiverDeps receiver_deps(const std::vector<failover::GroupConfig>& groups);

// Makes the service and hands it every outcome `store` accepts (within milliseconds of a probe's
// result) until the store's listener is replaced; `on_transition` receives each transition as
// an alert.
std::shared_ptr<failover::FailoverService> start_failover_service(
    const std::shared_ptr<SnapshotStore>& store, const std::string& state_directory,
    std::function<void(std::vector<Alert>)> on_transition);

}  // namespace hawatch::alerting
