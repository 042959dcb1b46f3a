#pragma once
// The dns_update_configs receiver: a firing notification drives a failover group, as
//   dns_update_configs: [ { failover: GROUP, action: fail_over | fail_back } ]
// Its delivery asks the failover service (failover/actions.h) for the change, subject to the
// group's hold time like a manual request. A refusal that time can lift (hold time, a change in
// progress) is retried by the spool; "already there" is delivered; an unknown group is permanent.
// Resolved notifications (send_resolved: true) change nothing.

#include <memory>
#include <string>

#include "core/config_reader.h"
#include "failover/actions.h"
#include "notify/integration.h"

namespace hawatch::alerting {

struct DnsUpdateConfig {
  std::string failover;   // the group
  bool fail_over = true;  // action: fail_over (true) or fail_back
  bool send_resolved = false;
};

// Reads one dns_update_configs entry; `where` names it in messages. Whether the group exists is
// checked against the failover section by check_dns_update_config.
DnsUpdateConfig read_dns_update_config(const YAML::Node& node, ConfigContext& ctx,
                                       const std::string& where);

class DnsUpdateIntegration : public Integration {
 public:
  DnsUpdateIntegration(DnsUpdateConfig config, std::shared_ptr<failover::FailoverActions> failover)
      : config_(std::move(config)), failover_(std::move(failover)) {}
  std::string_view kind() const override { return "dns_update"; }
  bool send_resolved() const override { return config_.send_resolved; }
  // "firing\n<alertnames>" or "resolved\n...": what deliver() acts on (the body is spooled).
  std::string render(const NotifyContext& ctx, const std::vector<Alert>& alerts) const override;
  DeliveryResult deliver(const std::string& body, const std::string& idempotency_key) override;
  const DnsUpdateConfig& config() const { return config_; }

 private:
  DnsUpdateConfig config_;
  std::shared_ptr<failover::FailoverActions> failover_;
};

}  // namespace hawatch::alerting
