#include "receivers/webhook/webhook_payload.h"

#include <algorithm>

#include "model/json_writer.h"

namespace hawatch::alerting {

std::string quote_meta(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

namespace {

void write_map(JsonWriter& w, const LabelSet& map) {
  w.begin_object();
  for (const auto& [k, v] : map) w.key(k).value(v);
  w.end_object();
}

// The pairs every map has with the same value (template.Data's commonLabels/Annotations).
template <typename Get>
LabelSet common(const std::vector<Alert>& alerts, Get get) {
  if (alerts.empty()) return {};
  LabelSet out = get(alerts.front());
  for (std::size_t i = 1; i < alerts.size(); ++i) {
    const LabelSet& other = get(alerts[i]);
    std::erase_if(out, [&](const auto& kv) {
      auto it = other.find(kv.first);
      return it == other.end() || it->second != kv.second;
    });
  }
  return out;
}

}  // namespace

LabelSet common_labels(const std::vector<Alert>& alerts) {
  return common(alerts, [](const Alert& a) -> const LabelSet& { return a.labels; });
}
LabelSet common_annotations(const std::vector<Alert>& alerts) {
  return common(alerts, [](const Alert& a) -> const LabelSet& { return a.annotations; });
}

std::string render_webhook_message(const NotifyContext& ctx, const std::vector<Alert>& all,
                                   const WebhookMessageOptions& options) {
  std::vector<Alert> alerts = all;
  std::size_t truncated = 0;
  if (options.max_alerts > 0 && alerts.size() > options.max_alerts) {
    truncated = alerts.size() - options.max_alerts;
    alerts.resize(options.max_alerts);
  }
  const bool any_firing = std::any_of(alerts.begin(), alerts.end(),
                                      [&](const Alert& a) { return !a.resolved_at(ctx.now); });
  JsonWriter w;
  w.begin_object();
  w.key("receiver").value(quote_meta(ctx.receiver));
  w.key("status").value(any_firing ? "firing" : "resolved");
  w.key("alerts").begin_array();
  for (const Alert& a : alerts) {
    w.begin_object();
    w.key("status").value(to_string(a.status_at(ctx.now)));
    w.key("labels");
    write_map(w, a.labels);
    w.key("annotations");
    write_map(w, a.annotations);
    w.key("startsAt").value(format_rfc3339(a.starts_at));
    w.key("endsAt").value(format_rfc3339(a.ends_at));
    w.key("generatorURL").value(a.generator_url);
    w.key("fingerprint").value(format_fingerprint(a.fingerprint()));
    w.end_object();
  }
  w.end_array();
  w.key("groupLabels");
  write_map(w, ctx.group_labels);
  w.key("commonLabels");
  write_map(w, common_labels(alerts));
  w.key("commonAnnotations");
  write_map(w, common_annotations(alerts));
  w.key("externalURL").value(options.external_url);
  w.key("version").value("4");
  w.key("groupKey").value(ctx.group_key);
  w.key("truncatedAlerts").value(static_cast<std::uint64_t>(truncated));
  w.end_object();
  return w.take();
}

}  // namespace hawatch::alerting
