#pragma once
// Forwarding to Alertmanagers: POST /api/v2/alerts with the postable alerts, as Prometheus'
// notifier does, to EVERY URL of an alertmanager_configs entry, so an Alertmanager cluster
// dedupes them itself.
//
// Each URL is an integration of its own ("alertmanager/0", "alertmanager/1", ... in the order of
// the entries and their urls), so each gets its own spool record, retries and deadline: one
// Alertmanager down does not hold back, or make duplicates at, the others, and each receives every
// notification at least once. (Prometheus counts a send as done when any one Alertmanager took
// it; a spool record per URL is what at-least-once per Alertmanager needs.) The counters are
// per URL likewise (hawatch_notifications_total{integration="alertmanager/1"}).
//
// send_resolved is always on: resolved alerts must reach the Alertmanager to resolve there.
// 200 is delivered; 5xx, 429, network errors and timeouts are retried; 400 (the Alertmanager
// stored the valid alerts of the batch and rejected the others, which resending cannot fix) and
// other statuses are given up. The idempotency key goes along as a header for proxies that use it;
// the Alertmanager itself merges a repeated alert into the one it holds.

#include <memory>
#include <string>
#include <vector>

#include "collectors/shared/http_client.h"
#include "core/config_reader.h"
#include "notify/integration.h"
#include "receivers/alertmanager/alertmanager_payload.h"

namespace hawatch::alerting {

struct AlertmanagerConfig {
  std::vector<std::string> urls;       // base URLs as configured
  std::vector<std::string> endpoints;  // the same, joined with path_prefix and /api/v2/alerts
  Duration timeout = std::chrono::seconds(10);
  std::string path_prefix;
  net::TlsOptions tls;
  net::AuthOptions auth;
};

// Reads one alertmanager_configs entry; `where` names it in messages.
AlertmanagerConfig read_alertmanager_config(const YAML::Node& node, ConfigContext& ctx,
                                            const std::string& where);

// One Alertmanager of an entry.
class AlertmanagerIntegration : public Integration {
 public:
  AlertmanagerIntegration(std::string endpoint, Duration timeout, net::TlsOptions tls,
                          net::AuthOptions auth)
      : endpoint_(std::move(endpoint)),
        timeout_(timeout),
        tls_(std::move(tls)),
        auth_(std::move(auth)) {}
  std::string_view kind() const override { return "alertmanager"; }
  bool send_resolved() const override { return true; }
  std::string render(const NotifyContext& ctx, const std::vector<Alert>& alerts) const override {
    return render_postable_alerts(ctx, alerts);
  }
  DeliveryResult deliver(const std::string& body, const std::string& idempotency_key) override;
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string endpoint_;
  Duration timeout_;
  net::TlsOptions tls_;
  net::AuthOptions auth_;
};

// One integration per URL of every entry of a receiver's `alertmanager_configs` list (null or
// absent: none).
void add_alertmanager_integrations(const YAML::Node& list, ConfigContext& ctx,
                                   const std::string& where,
                                   std::vector<std::shared_ptr<Integration>>& out);

}  // namespace hawatch::alerting
