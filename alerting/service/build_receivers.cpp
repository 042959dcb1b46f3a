#include "service/build_receivers.h"

#include <functional>
#include <map>

#include "receivers/alertmanager/alertmanager.h"
#include "receivers/dns_update/dns_update.h"
#include "receivers/email/email.h"
#include "receivers/exec/exec.h"
#include "receivers/webhook/webhook.h"

namespace hawatch::alerting {

namespace {

using Integrations = std::vector<std::shared_ptr<Integration>>;
// Reads one `<kind>_configs` list (YAML kept by the config reader) into integrations.
using KindBuilder =
    std::function<void(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                       const ReceiverDeps& deps, Integrations& out)>;

// The usual shape of a kind: read_<kind>_config(node, ctx, where) and <Kind>Integration(config).
template <typename Config, typename Kind>
KindBuilder each(Config (*read)(const YAML::Node&, ConfigContext&, const std::string&)) {
  return [read](const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                const ReceiverDeps&, Integrations& out) {
    if (!list.IsSequence()) {
      ctx.error(list, where + " must be a list");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      Config c = read(list[i], ctx, where + "[" + std::to_string(i) + "]");
      out.push_back(std::make_shared<Kind>(std::move(c)));
    }
  };
}

// A kind that needs nothing beyond its list.
KindBuilder plain(void (*add)(const YAML::Node&, ConfigContext&, const std::string&,
                              Integrations&)) {
  return [add](const YAML::Node& list, ConfigContext& ctx, const std::string& where,
               const ReceiverDeps&, Integrations& out) { add(list, ctx, where, out); };
}

// What a receiver built for --check-config drives: nothing (it never delivers there).
class NoFailoverGroups : public failover::FailoverActions {
 public:
  failover::ActionReply fail_over(const std::string& group, const std::string&) override {
    return refuse(group);
  }
  failover::ActionReply fail_back(const std::string& group, const std::string&) override {
    return refuse(group);
  }

 private:
  static failover::ActionReply refuse(const std::string& group) {
    return {404, "no failover service for group \"" + group + "\"", "", "unknown_group"};
  }
};

// dns_update_configs: each entry must name a group of the failover: section.
void add_dns_updates(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                     const ReceiverDeps& deps, Integrations& out) {
  if (!list.IsSequence()) return ctx.error(list, where + " must be a list");
  auto actions = deps.failover ? deps.failover : std::make_shared<NoFailoverGroups>();
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    DnsUpdateConfig c = read_dns_update_config(list[i], ctx, at);
    if (!c.failover.empty() && !deps.failover_groups.contains(c.failover))
      ctx.error(list[i],
                at + ".failover: \"" + c.failover + "\" is not a group of the failover: section");
    out.push_back(std::make_shared<DnsUpdateIntegration>(std::move(c), actions));
  }
}

// The kinds read from ReceiverSpec::other_configs, by key. A key missing here is refused.
const std::map<std::string, KindBuilder>& kind_builders() {
  static const std::map<std::string, KindBuilder> builders{
      {"alertmanager_configs", plain(add_alertmanager_integrations)},  // one per URL
      {"dns_update_configs", add_dns_updates},                         // drives a failover group
      {"exec_configs", each<ExecConfig, ExecIntegration>(read_exec_config)},
      {"email_configs", each<EmailConfig, EmailIntegration>(read_email_config)},
  };
  return builders;
}

// Webhooks are read by the config reader itself (ReceiverSpec::webhook_configs).
void add_webhooks(const ReceiverSpec& spec, const AlertingConfig& config, Integrations& out) {
  for (WebhookConfig c : spec.webhook_configs) {
    if (c.external_url.empty()) c.external_url = config.external_url;
    out.push_back(std::make_shared<WebhookIntegration>(std::move(c)));
  }
}

}  // namespace

std::vector<ReceiverConfig> build_receivers(const AlertingConfig& config, ConfigContext& ctx,
                                            const ReceiverDeps& deps) {
  std::vector<ReceiverConfig> out;
  for (std::size_t i = 0; i < config.receivers.size(); ++i) {
    const ReceiverSpec& spec = config.receivers[i];
    const std::string where = "alerting.receivers[" + std::to_string(i) + "]";
    ReceiverConfig rc{spec.name, {}};
    add_webhooks(spec, config, rc.integrations);
    for (const auto& [key, list] : spec.other_configs) {
      auto it = kind_builders().find(key);
      if (it == kind_builders().end()) {
        ctx.error(list, where + "." + key + ": receiver \"" + spec.name + "\": " + key +
                            " is not supported by this build of hawatch");
        continue;
      }
      it->second(list, ctx, where + "." + key, deps, rc.integrations);
    }
    out.push_back(std::move(rc));
  }
  return out;
}

}  // namespace hawatch::alerting
