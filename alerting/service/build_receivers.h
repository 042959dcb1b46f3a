#pragma once
// Turns the config's receivers into the pipeline's: one Integration per entry of each
// `<kind>_configs` list. Each kind is one small function in build_receivers.cpp and one line in
// its table; a kind this build cannot deliver to is an error at its FILE:LINE:COL, never
// silently ignored (an alert route that goes nowhere would look like working alerting).

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/alerting_config.h"
#include "failover/actions.h"
#include "notify/pipeline.h"

namespace hawatch::alerting {

// What receiver kinds act on beyond the alerting section.
struct ReceiverDeps {
  // dns_update_configs drive these failover groups (the daemon's FailoverService). Null for
  // --check-config: such receivers are built and checked but never deliver.
  std::shared_ptr<failover::FailoverActions> failover;
  std::set<std::string> failover_groups;  // the groups of the failover: section
};

// Errors go to `ctx` (the config file's); the receivers built so far are returned either way.
std::vector<ReceiverConfig> build_receivers(const AlertingConfig& config, ConfigContext& ctx,
                                            const ReceiverDeps& deps = {});

}  // namespace hawatch::alerting
