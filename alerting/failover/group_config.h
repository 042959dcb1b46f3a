#pragma once
// The `failover:` section: one group per record that moves between a primary and a backup
// address. Read with positions (FILE:LINE:COL), every problem reported at once; the `update:`
// block is read by the hooks (hooks/) through the reader the caller passes.

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "hooks/dns_update.h"

namespace hawatch::alerting::failover {

using Millis = std::chrono::milliseconds;

enum class FailbackMode { manual, automatic };

struct HealthSource {
  enum class Kind { probe, alert };
  Kind kind = Kind::probe;
  std::string name;  // the probe's name under collectors.probes, or the alert's alertname
};

struct GroupConfig {
  std::string name;
  RecordRef record;
  std::string primary;
  std::string backup;
  HealthSource health;
  int fail_after = 3;  // consecutive unhealthy results before failing over
  FailbackMode failback_mode = FailbackMode::manual;
  int failback_after = 10;                          // consecutive healthy results (auto failback)
  Millis failback_hold = std::chrono::seconds(60);  // least time failed over before auto failback
  // Least time between two changes of the group (ours or adopted): the flap guard.
  Millis min_hold = std::chrono::seconds(30);
  bool dry_run = false;
  // Shared: a reload that keeps the group keeps its hook; the receiver uses the same one.
  std::shared_ptr<DnsUpdater> updater;
};

// Reads a group's `update:` block into a hook (hooks/: rfc2136, powerdns, exec); reports its
// problems to `ctx` and returns null when there are any. `where` names the block in messages.
using UpdaterReader = std::function<std::unique_ptr<DnsUpdater>(
    const YAML::Node& update, ConfigContext& ctx, const std::string& where)>;

// Reads the section (a list; null or absent: no groups). `probes` are the names configured
// under collectors.probes (a probe health source must name one). Errors go to `ctx`.
std::vector<GroupConfig> read_failover_config(const YAML::Node& section, ConfigContext& ctx,
                                              const std::set<std::string>& probes,
                                              const UpdaterReader& read_updater);

// The probe names of a collectors.probes section (a list of { name: ... }), as read so far.
std::set<std::string> probe_names(const YAML::Node& probes_section);

// A group name is used in file names, URL paths and label values: [A-Za-z0-9_.-]{1,64}.
bool valid_group_name(const std::string& name);

}  // namespace hawatch::alerting::failover
