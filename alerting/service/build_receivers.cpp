#include "service/build_receivers.h"

#include <functional>
#include <map>

#include "receivers/alertmanager/alertmanager.h"
#include "receivers/email/email.h"
#include "receivers/exec/exec.h"
#include "receivers/webhook/webhook.h"

namespace hawatch::alerting {

namespace {

using Integrations = std::vector<std::shared_ptr<Integration>>;
// Reads one `<kind>_configs` list (YAML kept by the config reader) into integrations.
using KindBuilder = std::function<void(const YAML::Node& list, ConfigContext& ctx,
                                       const std::string& where, Integrations& out)>;

// The usual shape of a kind: read_<kind>_config(node, ctx, where) and <Kind>Integration(config).
template <typename Config, typename Kind>
KindBuilder each(Config (*read)(const YAML::Node&, ConfigContext&, const std::string&)) {
  return [read](const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                Integrations& out) {
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

// The kinds read from ReceiverSpec::other_configs, by key. A key missing here is refused.
const std::map<std::string, KindBuilder>& kind_builders() {
  static const std::map<std::string, KindBuilder> builders{
      {"alertmanager_configs", add_alertmanager_integrations},  // one integration per URL
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

std::vector<ReceiverConfig> build_receivers(const AlertingConfig& config, ConfigContext& ctx) {
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
      it->second(list, ctx, where + "." + key, rc.integrations);
    }
    out.push_back(std::move(rc));
  }
  return out;
}

}  // namespace hawatch::alerting
