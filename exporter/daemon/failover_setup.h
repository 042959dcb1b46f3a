#pragma once
// The daemon's side of DNS failover (alerting/failover): the failover: section read with the
// update hooks, and the FailoverService tied to the rest of the daemon — its health feed (the
// snapshot store's publish listener), its transitions as alerts for the receivers, and what the
// dns_update_configs receivers drive.

#include <memory>
#include <vector>

#include "core/config.h"
#include "failover/service.h"
#include "service/build_receivers.h"
#include "service/http_api.h"

namespace hawatch {

// Reads config.failover (probe health sources checked against collectors.probes, `update:`
// blocks read by the hooks); throws ConfigError with every problem at FILE:LINE:COL.
std::vector<alerting::failover::GroupConfig> plan_failover(const Config& config);

// What the dns_update_configs receivers need: the groups' names, and the service they drive
// (null for --check-config).
alerting::ReceiverDeps receiver_deps(const std::vector<alerting::failover::GroupConfig>& groups,
                                     std::shared_ptr<alerting::failover::FailoverService> service);

// The service for the daemon's lifetime (groups come and go with configure()): its state and
// audit files in the state directory of the start, its transitions inserted into whatever
// alerting service `alerting` holds then, its health fed by every outcome `store` accepts.
std::shared_ptr<alerting::failover::FailoverService> make_failover_service(
    const std::shared_ptr<SnapshotStore>& store, const Config& config,
    std::shared_ptr<alerting::ServiceSlot> alerting);

}  // namespace hawatch
