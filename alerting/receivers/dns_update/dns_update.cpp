#include "receivers/dns_update/dns_update.h"

#include <set>

namespace hawatch::alerting {

DnsUpdateConfig read_dns_update_config(const YAML::Node& node, ConfigContext& ctx,
                                       const std::string& where) {
  DnsUpdateConfig c;
  MapReader r(node, ctx, where);
  if (auto group = r.string("failover"))
    c.failover = *group;
  else
    ctx.error(node, where + ": \"failover\" (the group to drive) is required");
  if (auto action = r.choice("action", {"fail_over", "fail_back"}))
    c.fail_over = *action == "fail_over";
  else if (!r.has("action"))
    ctx.error(node, where + ": \"action\" (fail_over or fail_back) is required");
  if (auto resolved = r.boolean("send_resolved")) c.send_resolved = *resolved;
  r.finish();
  return c;
}

std::string DnsUpdateIntegration::render(const NotifyContext& ctx,
                                         const std::vector<Alert>& alerts) const {
  std::set<std::string> firing;
  for (const auto& a : alerts)
    if (a.status_at(ctx.now) == AlertStatus::firing) {
      auto it = a.labels.find("alertname");
      firing.insert(it == a.labels.end() ? "?" : it->second);
    }
  std::string names;
  for (const auto& n : firing) names += (names.empty() ? "" : ", ") + n;
  return (firing.empty() ? "resolved\n" : "firing\n") + names;
}

DeliveryResult DnsUpdateIntegration::deliver(const std::string& body, const std::string&) {
  if (!body.starts_with("firing\n"))
    return {DeliveryResult::Outcome::delivered, "resolved: no action"};
  const std::string reason = "alert " + body.substr(7) + " via receiver dns_update_configs";
  const auto reply = config_.fail_over ? failover_->fail_over(config_.failover, reason)
                                       : failover_->fail_back(config_.failover, reason);
  const std::string detail = "failover " + config_.failover + ": " + reply.code +
                             (reply.message.empty() ? "" : " (" + reply.message + ")");
  if (reply.code == "accepted" || reply.code == "already")
    return {DeliveryResult::Outcome::delivered, detail};
  if (reply.code == "unknown_group") return {DeliveryResult::Outcome::permanent, detail};
  return {DeliveryResult::Outcome::retry, detail};
}

}  // namespace hawatch::alerting
