#include "receivers/alertmanager/alertmanager.h"

#include <set>

#include "receivers/webhook/webhook.h"

namespace hawatch::alerting {

AlertmanagerConfig read_alertmanager_config(const YAML::Node& node, ConfigContext& ctx,
                                            const std::string& where) {
  MapReader m(node, ctx, where);
  AlertmanagerConfig c;
  if (!m.valid()) return c;
  c.path_prefix = m.string("path_prefix").value_or("");
  const YAML::Node urls_node = m.node("urls");
  if (!urls_node.IsDefined() || urls_node.IsNull()) {
    ctx.error(node, where + ".urls is required (a list of Alertmanager base URLs)");
  } else if (auto urls = m.string_list("urls")) {
    if (urls->empty()) ctx.error(urls_node, where + ".urls must list at least one Alertmanager");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < urls->size(); ++i) {
      const std::string& url = (*urls)[i];
      const YAML::Node at =
          urls_node.IsSequence() && i < urls_node.size() ? urls_node[i] : urls_node;
      std::string why;
      const auto endpoint = alerts_endpoint(url, c.path_prefix, why);
      if (!endpoint) {
        ctx.error(at, where + ".urls[" + std::to_string(i) + "]: bad Alertmanager URL: " + why);
      } else if (!seen.insert(*endpoint).second) {
        // Twice the same endpoint would deliver everything twice to it.
        ctx.error(at,
                  where + ".urls[" + std::to_string(i) + "]: " + *endpoint + " is listed twice");
      } else {
        c.urls.push_back(url);
        c.endpoints.push_back(*endpoint);
      }
    }
  }
  if (auto t = m.duration("timeout")) {
    if (t->count() <= 0 || *t > std::chrono::minutes(5)) {
      ctx.error(m.node("timeout"), where + ".timeout must be positive and at most 5m");
    } else {
      c.timeout = std::chrono::duration_cast<Duration>(*t);
    }
  }
  (void)m.choice("api_version", {"v2"});  // v1 is gone from the Alertmanager
  if (auto resolved = m.boolean("send_resolved"); resolved && !*resolved) {
    ctx.error(m.node("send_resolved"),
              where +
                  ".send_resolved cannot be false: an Alertmanager needs resolved alerts to "
                  "resolve them");
  }
  c.tls = net::read_tls_options(m);
  c.auth = net::read_auth_options(m);
  m.finish();
  return c;
}

DeliveryResult AlertmanagerIntegration::deliver(const std::string& body,
                                                const std::string& idempotency_key) {
  return post_json({endpoint_, {"Idempotency-Key: " + idempotency_key}, timeout_, tls_, auth_},
                   body);
}

void add_alertmanager_integrations(const YAML::Node& list, ConfigContext& ctx,
                                   const std::string& where,
                                   std::vector<std::shared_ptr<Integration>>& out) {
  for_each_list_entry(list, ctx, where, [&](const YAML::Node& item, const std::string& at) {
    const AlertmanagerConfig c = read_alertmanager_config(item, ctx, at);
    for (const std::string& endpoint : c.endpoints)
      out.push_back(std::make_shared<AlertmanagerIntegration>(endpoint, c.timeout, c.tls, c.auth));
  });
}

}  // namespace hawatch::alerting
