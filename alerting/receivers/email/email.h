#pragma once
// The email integration (Alertmanager's notify/email): render() builds the whole message once,
// when the notification is spooled (email_message.h); deliver() adds the Message-ID derived from
// the idempotency key and the key's own header, and sends it over SMTP (smtp_client.h), as often
// as the spool asks, also after a restart. The password is read at each attempt.

#include <memory>
#include <string>

#include "notify/integration.h"
#include "receivers/email/email_config.h"

namespace hawatch::alerting {

class EmailIntegration : public Integration {
 public:
  explicit EmailIntegration(EmailConfig config) : config_(std::move(config)) {}
  std::string_view kind() const override { return "email"; }
  bool send_resolved() const override { return config_.send_resolved; }
  std::string render(const NotifyContext& ctx, const std::vector<Alert>& alerts) const override;
  DeliveryResult deliver(const std::string& body, const std::string& idempotency_key) override;
  const EmailConfig& config() const { return config_; }

 private:
  EmailConfig config_;
};

// For the daemon's receiver table: reads the entry (errors into `ctx`) and builds the
// integration; `external_url` fills .ExternalURL unless the entry sets its own.
std::shared_ptr<Integration> make_email(const YAML::Node& node, ConfigContext& ctx,
                                        const std::string& where, const std::string& external_url);

}  // namespace hawatch::alerting
