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

// Inbound webhooks (POST /api/v1/webhook, /api/v2/alerts): with a secret, a request must carry
// the timestamp and signature headers hawatch's own webhook sends (hex HMAC-SHA256 over
// "{timestamp}:{body}"), the timestamp within max_skew of now.
struct InboundConfig {
  std::string hmac_secret_file;
  std::string signature_header = "X-Hawatch-Signature";
  std::string timestamp_header = "X-Hawatch-Timestamp";
  Duration max_skew = std::chrono::minutes(5);
  // A firing alert from an Alertmanager webhook carries no end: it is taken as resolved this long
  // after the last message, unless a message resolves it first. Longer than the sender's
  // repeat_interval (Alertmanager's default is 4h).
  Duration webhook_resolve_timeout = std::chrono::hours(25);
};

// The spool's retry schedule: exponential backoff between the two bounds, given up after
// `deadline` (then logged, counted and raised as HawatchNotificationGivenUp).
struct DeliveryConfig {
  Duration deadline = std::chrono::hours(1);
  Duration initial_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::minutes(5);
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
  // An alert posted without endsAt is resolved this long after its last update (Alertmanager's
  // global.resolve_timeout).
  Duration resolve_timeout = std::chrono::minutes(5);
  InboundConfig inbound;
  DeliveryConfig delivery;
  // The section in Alertmanager's own config format (its keys only), for GET /api/v2/status's
  // config.original: `amtool config routes` reads the route tree from it.
  std::string alertmanager_yaml;
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
