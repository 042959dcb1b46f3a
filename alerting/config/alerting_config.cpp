#include "config/alerting_config.h"

#include "dispatch/route_config.h"

namespace hawatch::alerting {

namespace {

std::vector<ReceiverSpec> read_receivers(const YAML::Node& list, ConfigContext& ctx,
                                         const std::string& where,
                                         const std::string& external_url) {
  std::vector<ReceiverSpec> out;
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) {
    ctx.error(list, where + " must be a list of receivers");
    return out;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    MapReader m(list[i], ctx, at);
    ReceiverSpec r;
    r.name = m.string("name").value_or("");
    if (r.name.empty()) ctx.error(list[i], at + ": name is required");
    if (!r.name.empty() && !names.insert(r.name).second) {
      ctx.error(m.node("name"), at + ": receiver \"" + r.name + "\" is defined twice");
    }
    for_each_list_entry(m.node("webhook_configs"), ctx, at + ".webhook_configs",
                        [&](const YAML::Node& item, const std::string& entry_at) {
                          WebhookConfig c = read_webhook_config(item, ctx, entry_at);
                          if (c.external_url.empty()) c.external_url = external_url;
                          r.webhook_configs.push_back(std::move(c));
                        });
    for (const std::string& key : other_integration_keys()) {
      YAML::Node n = m.node(key);
      if (n.IsDefined() && !n.IsNull()) r.other_configs[key] = n;
    }
    m.finish();
    out.push_back(std::move(r));
  }
  return out;
}

InboundConfig read_inbound(const YAML::Node& node, ConfigContext& ctx, const std::string& where) {
  InboundConfig c;
  if (!node.IsDefined() || node.IsNull()) return c;
  MapReader m(node, ctx, where);
  c.hmac_secret_file = m.string("hmac_secret_file").value_or("");
  c.signature_header = m.string("signature_header").value_or(c.signature_header);
  c.timestamp_header = m.string("timestamp_header").value_or(c.timestamp_header);
  c.max_skew = m.duration("max_skew").value_or(c.max_skew);
  c.webhook_resolve_timeout =
      m.duration("webhook_resolve_timeout").value_or(c.webhook_resolve_timeout);
  m.finish();
  return c;
}

DeliveryConfig read_delivery(const YAML::Node& node, ConfigContext& ctx, const std::string& where) {
  DeliveryConfig c;
  if (!node.IsDefined() || node.IsNull()) return c;
  MapReader m(node, ctx, where);
  c.deadline = m.duration("deadline").value_or(c.deadline);
  c.initial_backoff = m.duration("initial_backoff").value_or(c.initial_backoff);
  c.max_backoff = m.duration("max_backoff").value_or(c.max_backoff);
  if (c.initial_backoff <= Duration::zero() || c.max_backoff < c.initial_backoff ||
      c.deadline <= Duration::zero())
    ctx.error(node, where + ": need 0 < initial_backoff <= max_backoff and deadline > 0");
  m.finish();
  return c;
}

// The section as Alertmanager's config loader takes it (it refuses unknown keys): the routing
// keys, and receivers by name only (their integrations have hawatch's own options).
std::string alertmanager_yaml(const YAML::Node& section) {
  static const std::set<std::string> top{"route", "inhibit_rules", "time_intervals",
                                         "mute_time_intervals"};
  if (!section.IsMap()) return "";
  YAML::Node out(YAML::NodeType::Map);
  for (const auto& kv : section) {
    const std::string key = kv.first.Scalar();
    if (top.count(key)) out[key] = YAML::Clone(kv.second);
  }
  YAML::Node receivers(YAML::NodeType::Sequence);
  const YAML::Node list = section["receivers"];
  if (list.IsSequence())
    for (const auto& r : list)
      if (r.IsMap() && r["name"].IsScalar()) {
        YAML::Node named(YAML::NodeType::Map);
        named["name"] = r["name"].Scalar();
        receivers.push_back(named);
      }
  out["receivers"] = receivers;
  YAML::Emitter e;
  e << out;
  return std::string(e.c_str()) + "\n";
}

}  // namespace

AlertingConfig read_alerting_config(const YAML::Node& node, ConfigContext& ctx,
                                    const std::string& where) {
  AlertingConfig c;
  MapReader m(node, ctx, where);
  c.external_url = m.string("external_url").value_or("");
  if (auto dir = m.string("spool_directory")) c.spool_directory = *dir;
  c.silences_file =
      m.string("silences_file").value_or((c.spool_directory / "state/silences.json").string());
  c.notification_log_file =
      m.string("notification_log_file").value_or((c.spool_directory / "state/nflog.json").string());
  c.resolve_timeout = m.duration("resolve_timeout").value_or(c.resolve_timeout);
  c.inbound = read_inbound(m.node("inbound"), ctx, where + ".inbound");
  c.delivery = read_delivery(m.node("delivery"), ctx, where + ".delivery");
  read_time_intervals(m.node("time_intervals"), ctx, where + ".time_intervals", c.time_intervals);
  c.receivers = read_receivers(m.node("receivers"), ctx, where + ".receivers", c.external_url);
  std::set<std::string, std::less<>> names;
  for (const ReceiverSpec& r : c.receivers) names.insert(r.name);
  c.inhibit_rules = read_inhibit_rules(m.node("inhibit_rules"), ctx, where + ".inhibit_rules");
  YAML::Node route = m.node("route");
  if (route.IsDefined() && !route.IsNull()) {
    c.route = read_route(route, ctx, where + ".route", {&names, &c.time_intervals});
  } else if (!c.receivers.empty()) {
    ctx.error(node, where + ": receivers without a route");
  }
  m.finish();
  c.alertmanager_yaml = alertmanager_yaml(node);
  return c;
}

}  // namespace hawatch::alerting
