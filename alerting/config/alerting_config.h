#pragma once
// The `alerting:` section of the config file (Alertmanager's vocabulary): route, inhibit_rules,
// time_intervals, receivers, spool_directory. Receivers' webhook_configs are read here; the other
// integration lists (email_configs, alertmanager_configs, exec_configs, dns_update_configs) are
// kept as YAML for their own readers. Errors are FILE:LINE:COL diagnostics in the context.

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "dispatch/route.h"
#include "inhibit/inhibitor.h"
#include "receivers/webhook/webhook.h"
#include "timeinterval/time_interval.h"

namespace hawatch::alerting {

struct ReceiverSpec {
  std::string name;
  std::vector<WebhookConfig> webhook_configs;
  // Integration lists read elsewhere, by key ("email_configs" -> its YAML list).
  std::map<std::string, YAML::Node> other_configs;
};

struct AlertingConfig {
  std::shared_ptr<const Route> route;  // null when the section has no route (alerting off)
  std::vector<InhibitRule> inhibit_rules;
  TimeIntervals time_intervals;
  std::vector<ReceiverSpec> receivers;
  std::filesystem::path spool_directory = "/var/lib/hawatch/spool";
  // State beside the spool unless set: silences and the notification log.
  std::filesystem::path silences_file;
  std::filesystem::path notification_log_file;
  std::string external_url;
};

// The integration keys of a receiver that other parts read.
inline const std::set<std::string>& other_integration_keys() {
  static const std::set<std::string> keys{"email_configs", "alertmanager_configs", "exec_configs",
                                          "dns_update_configs"};
  return keys;
}

AlertingConfig read_alerting_config(const YAML::Node& node, ConfigContext& ctx,
                                    const std::string& where = "alerting");

}  // namespace hawatch::alerting
