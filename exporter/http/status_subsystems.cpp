#include "status_subsystems.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string_view>

namespace hawatch {

const char* to_string(Health h) {
  switch (h) {
    case Health::ok:
      return "ok";
    case Health::warn:
      return "warn";
    case Health::bad:
      return "bad";
  }
  return "bad";
}

namespace {

struct Subsystem {
  const char* id;
  const char* title;
  std::vector<std::string_view> collectors;  // collector names; "" in the last row: the rest
};

// In page order. Plugins and checks take every collector no other row names (exec checks, .so
// plugins, the textfile directory).
const std::vector<Subsystem>& subsystems() {
  static const std::vector<Subsystem> table{
      {"node", "Node", {"node", "pi"}},
      {"services", "Services (systemd)", {"systemd"}},
      {"network", "Network (bonds, routes)", {"network", "bonding"}},
      {"vrrp", "VRRP / floating IP", {"keepalived"}},
      {"power", "Power (UPS)", {"apcupsd", "nut"}},
      {"replication", "Replication", {"postgres", "mysql", "litestream"}},
      {"probes", "Probes", {"probes"}},
      {"backups", "Backups", {"backups"}},
      {"rules", "Alert rules", {"rules"}},
      {"alerting", "Notifications", {"alerting"}},
      {"failover", "DNS failover", {"failover"}},
      {"plugins", "Plugins and checks", {""}},
  };
  return table;
}

std::string label(const plugins::PromSample& s, std::string_view name) {
  for (const auto& [k, v] : s.labels)
    if (k == name) return v;
  return {};
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// A condition on one family's samples: the health it implies and why, or nullopt when the value
// is fine.
struct Check {
  std::string_view family;
  std::string_view subsystem;
  std::function<std::optional<std::pair<Health, std::string>>(const plugins::PromSample&)> judge;
};

using Verdict = std::optional<std::pair<Health, std::string>>;

Verdict when(bool condition, Health h, std::string reason) {
  if (!condition) return std::nullopt;
  return std::make_pair(h, std::move(reason));
}

const std::vector<Check>& checks() {
  static const std::vector<Check> table{
      {"hawatch_node_filesystem_readonly", "node",
       [](const plugins::PromSample& s) {
         return when(s.value == 1, Health::bad, label(s, "mountpoint") + " is read-only");
       }},
      {"hawatch_node_time_synced", "node",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::warn, "clock not synchronised");
       }},
      {"hawatch_pi_undervoltage_now", "node",
       [](const plugins::PromSample& s) {
         return when(s.value == 1, Health::warn, "under-voltage now");
       }},
      {"hawatch_systemd_up", "services",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad, "system bus unreachable");
       }},
      {"hawatch_systemd_unit_state", "services",
       [](const plugins::PromSample& s) {
         return when(label(s, "state") == "failed" && s.value == 1, Health::bad,
                     label(s, "unit") + " failed");
       }},
      {"hawatch_bond_active_slaves", "network",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad, label(s, "bond") + " has no active slave");
       }},
      {"hawatch_bond_slave_up", "network",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::warn,
                     label(s, "bond") + " slave " + label(s, "slave") + " down");
       }},
      {"hawatch_network_gateway_reachable", "network",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad, "gateway " + label(s, "gateway") + " unreachable");
       }},
      {"hawatch_vrrp_state", "vrrp",
       [](const plugins::PromSample& s) {
         return when(s.value == 3, Health::bad, label(s, "instance") + " in FAULT state");
       }},
      {"hawatch_ups_up", "power",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad, label(s, "ups") + " not answering");
       }},
      {"hawatch_ups_status", "power",
       [](const plugins::PromSample& s) -> Verdict {
         if (s.value != 1) return std::nullopt;
         const std::string flag = label(s, "flag");
         if (flag == "LB" || flag == "FSD")
           return std::make_pair(Health::bad, label(s, "ups") + " battery low (" + flag + ")");
         if (flag == "OB") return std::make_pair(Health::warn, label(s, "ups") + " on battery");
         if (flag == "RB" || flag == "OVER")
           return std::make_pair(Health::warn, label(s, "ups") + " status " + flag);
         return std::nullopt;
       }},
      {"hawatch_replication_up", "replication",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad, label(s, "name") + " not reachable");
       }},
      {"hawatch_replication_connected", "replication",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad,
                     label(s, "name") + " replica " + label(s, "replica") + " disconnected");
       }},
      {"hawatch_replication_lag_seconds", "replication",
       [](const plugins::PromSample& s) {
         return when(s.value > 60, Health::warn,
                     label(s, "name") + " lag " + number(s.value) + " s");
       }},
      // By its failure series, which is 1 for exactly the reason of a failed attempt: the page
      // says why (timeout, http_status, ...), not only that it failed.
      {"hawatch_probe_failure", "probes",
       [](const plugins::PromSample& s) {
         return when(s.value == 1, Health::bad,
                     "probe " + label(s, "probe") + " failing: " + label(s, "reason"));
       }},
      {"hawatch_backup_stale", "backups",
       [](const plugins::PromSample& s) {
         return when(s.value == 1, Health::bad, label(s, "backup") + " older than its max_age");
       }},
      {"hawatch_backup_verify_success", "backups",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad, label(s, "backup") + " failed verification");
       }},
      {"hawatch_plugin_up", "plugins",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad, "plugin " + label(s, "plugin") + " down");
       }},
      {"hawatch_check_status", "plugins",
       [](const plugins::PromSample& s) -> Verdict {
         if (s.value == 0) return std::nullopt;
         static const char* names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
         const int code = s.value >= 0 && s.value <= 3 ? static_cast<int>(s.value) : 3;
         return std::make_pair(code == 1 ? Health::warn : Health::bad,
                               "check " + label(s, "check") + " " + names[code]);
       }},
      {"hawatch_textfile_scrape_error", "plugins",
       [](const plugins::PromSample& s) {
         return when(s.value == 1, Health::warn, "a textfile could not be read");
       }},
      {"hawatch_alerts", "rules",
       [](const plugins::PromSample& s) {
         return when(label(s, "state") == "firing" && s.value > 0, Health::warn,
                     label(s, "alertname") + " firing");
       }},
      {"hawatch_failover_state", "failover",
       [](const plugins::PromSample& s) {
         return when(s.value == 1, Health::warn, label(s, "group") + " failed over to the backup");
       }},
      {"hawatch_failover_dns_up", "failover",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad,
                     label(s, "group") + ": the DNS server does not answer");
       }},
      {"hawatch_notification_receiver_up", "alerting",
       [](const plugins::PromSample& s) {
         return when(s.value == 0, Health::bad,
                     "notifications to " + label(s, "receiver") + " (" + label(s, "integration") +
                         ") failing");
       }},
  };
  return table;
}

constexpr std::size_t kMaxReasons = 4;

// Keeps the worst reason first and at most kMaxReasons; the rest are only counted.
void add_reason(SubsystemState& s, Health h, std::string reason) {
  const bool worse = h > s.health;
  if (worse) s.health = h;
  if (worse) {
    s.reasons.insert(s.reasons.begin(), std::move(reason));
  } else {
    s.reasons.push_back(std::move(reason));
  }
  if (s.reasons.size() > kMaxReasons) {
    s.reasons.pop_back();
    ++s.more_reasons;
  }
}

}  // namespace

std::vector<SubsystemState> assess_subsystems(const std::vector<CollectorStatus>& collectors,
                                              const plugins::PromText& exposition) {
  std::vector<SubsystemState> out;
  std::map<std::string_view, std::size_t> index;  // subsystem id -> position in `out`
  for (const Subsystem& sub : subsystems()) {
    SubsystemState state;
    state.id = sub.id;
    state.title = sub.title;
    for (const CollectorStatus& c : collectors) {
      // Instances are "probes/app", "nut/ups1": the part before the slash names the kind.
      const std::string_view kind = std::string_view(c.collector).substr(0, c.collector.find('/'));
      const bool rest = sub.collectors.size() == 1 && sub.collectors[0].empty();
      const bool named =
          std::find(sub.collectors.begin(), sub.collectors.end(), kind) != sub.collectors.end();
      const bool elsewhere =
          std::any_of(subsystems().begin(), subsystems().end(), [&](const Subsystem& other) {
            return std::find(other.collectors.begin(), other.collectors.end(), kind) !=
                   other.collectors.end();
          });
      if (!named && !(rest && !elsewhere)) continue;
      state.collectors.push_back(c.collector);
      if (!state.data_from || !c.last_success || *c.last_success < *state.data_from)
        state.data_from = c.last_success;
      if (!c.reported) {
        add_reason(state, Health::warn, c.collector + ": first run pending");
      } else if (!c.success) {
        add_reason(state, Health::bad,
                   c.collector + (c.stale ? ": data stale" : ": failing") +
                       (c.error.empty() ? "" : " (" + c.error + ")"));
      }
    }
    if (state.collectors.empty()) continue;
    index[sub.id] = out.size();
    out.push_back(std::move(state));
  }
  for (const plugins::PromFamily& family : exposition.families) {
    for (const Check& check : checks()) {
      if (family.name != check.family) continue;
      const auto at = index.find(check.subsystem);
      if (at == index.end()) continue;
      for (const plugins::PromSample& sample : family.samples)
        if (auto verdict = check.judge(sample))
          add_reason(out[at->second], verdict->first, std::move(verdict->second));
    }
  }
  return out;
}

std::string node_role(const plugins::PromText& exposition) {
  std::string masters, backups, failed_over;
  for (const plugins::PromFamily& family : exposition.families) {
    for (const plugins::PromSample& s : family.samples) {
      if (family.name == "hawatch_vrrp_state" && s.value == 2)
        masters += (masters.empty() ? "" : ", ") + label(s, "instance");
      if (family.name == "hawatch_vrrp_state" && s.value == 1)
        backups += (backups.empty() ? "" : ", ") + label(s, "instance");
      if (family.name == "hawatch_failover_state" && s.value == 1)
        failed_over += (failed_over.empty() ? "" : ", ") + label(s, "group");
    }
  }
  std::string role = !masters.empty()   ? "primary (VRRP master of " + masters + ")"
                     : !backups.empty() ? "backup (VRRP backup of " + backups + ")"
                                        : "standalone";
  if (!failed_over.empty()) role += "; failed over: " + failed_over;
  return role;
}

}  // namespace hawatch
