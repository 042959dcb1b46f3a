#pragma once
// The webhook integration: POSTs the version 4 message with libcurl. Credentials (bearer token,
// basic auth password, HMAC secret) are read from their files at every attempt, so rotating them
// needs no reload. With an HMAC secret, the request carries a timestamp header (Unix seconds) and
// a signature header, hex HMAC-SHA256 over "{timestamp}:{body}" (Grafana's webhook shape), so a
// receiver can reject forged and replayed requests. The idempotency key goes in its own header.
// TLS peers are verified unless tls_config says insecure_skip_verify.

#include <map>
#include <string>
#include <vector>

#include "collectors/shared/http_client.h"
#include "core/config_reader.h"
#include "notify/integration.h"
#include "receivers/webhook/webhook_payload.h"

namespace hawatch::alerting {

struct WebhookConfig {
  std::string url;
  std::string url_file;       // instead of url, for URLs that carry a token: read at each attempt
  bool send_resolved = true;  // Alertmanager's default for webhooks
  std::size_t max_alerts = 0;
  Duration timeout = std::chrono::seconds(10);
  std::map<std::string, std::string> headers;
  net::TlsOptions tls;
  net::AuthOptions auth;
  std::string hmac_secret_file;
  std::string signature_header = "X-Hawatch-Signature";
  std::string timestamp_header = "X-Hawatch-Timestamp";
  std::string idempotency_header = "Idempotency-Key";
  std::string external_url;  // the message's externalURL
};

// Reads one webhook_configs entry; `where` names it in messages.
WebhookConfig read_webhook_config(const YAML::Node& node, ConfigContext& ctx,
                                  const std::string& where);

// Hex HMAC-SHA256 of `message` under `key`.
std::string hmac_sha256_hex(const std::string& key, const std::string& message);

class WebhookIntegration : public Integration {
 public:
  explicit WebhookIntegration(WebhookConfig config) : config_(std::move(config)) {}
  std::string_view kind() const override { return "webhook"; }
  bool send_resolved() const override { return config_.send_resolved; }
  std::string render(const NotifyContext& ctx, const std::vector<Alert>& alerts) const override {
    return render_webhook_message(ctx, alerts, {config_.external_url, config_.max_alerts});
  }
  DeliveryResult deliver(const std::string& body, const std::string& idempotency_key) override;
  const WebhookConfig& config() const { return config_; }

 private:
  WebhookConfig config_;
};

// One POST of a JSON body with libcurl (no redirects, http and https only), shared by the webhook
// and Alertmanager integrations. Network errors and timeouts are retried, the status is taken as
// classify_http_status says, and a local problem (an unreadable credential file) is retried too,
// as it may be fixed before the deadline. The detail names the status or error for the log.
struct JsonPost {
  std::string url;
  std::vector<std::string> headers;  // "Name: value", besides Content-Type and auth
  Duration timeout = std::chrono::seconds(10);
  net::TlsOptions tls;
  net::AuthOptions auth;
};
DeliveryResult post_json(const JsonPost& request, const std::string& body);

// How an HTTP status is taken: 2xx delivered; 429 and 5xx retried; anything else refused for
// good.
DeliveryResult::Outcome classify_http_status(long status);

}  // namespace hawatch::alerting
