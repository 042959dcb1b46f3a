#pragma once
// Reads an `update:` block into its hook: exactly one of
//   rfc2136:  { ... }   (hooks/rfc2136/rfc2136_updater.h)
//   powerdns: { ... }   (hooks/powerdns/powerdns_updater.h)
//   exec:     { ... }   (hooks/exec/exec_updater.h)
// Matches failover::UpdaterReader (group_config.h); every problem goes to `ctx` with its
// FILE:LINE:COL, and the result is null when there was any. Secrets (TSIG key, API key) are
// read here, once, so a reload rereads them.

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>

#include "core/config_reader.h"
#include "hooks/dns_update.h"

namespace hawatch::alerting::failover {

std::unique_ptr<DnsUpdater> read_dns_updater(const YAML::Node& update, ConfigContext& ctx,
                                             const std::string& where);

}  // namespace hawatch::alerting::failover
