#include "receivers/email/email.h"

#include "receivers/email/email_message.h"
#include "receivers/email/smtp_client.h"

namespace hawatch::alerting {

std::string EmailIntegration::render(const NotifyContext& ctx,
                                     const std::vector<Alert>& alerts) const {
  return render_email_message(config_, ctx, alerts);
}

DeliveryResult EmailIntegration::deliver(const std::string& body,
                                         const std::string& idempotency_key) {
  const std::string& from = config_.from_address.address;
  const std::string domain = from.substr(from.find('@') + 1);
  return send_smtp(config_, with_delivery_headers(body, idempotency_key, domain));
}

std::shared_ptr<Integration> make_email(const YAML::Node& node, ConfigContext& ctx,
                                        const std::string& where, const std::string& external_url) {
  EmailConfig config = read_email_config(node, ctx, where);
  if (config.external_url.empty()) config.external_url = external_url;
  return std::make_shared<EmailIntegration>(std::move(config));
}

}  // namespace hawatch::alerting
