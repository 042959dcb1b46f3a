#include "service/http_api.h"

#include <Poco/URI.h>

#include <algorithm>
#include <charconv>
#include <map>

#include "api/api_v2.h"
#include "collectors/shared/http_client.h"
#include "core/html_escape.h"
#include "core/log.h"
#include "core/printable.h"
#include "matchers/parse.h"
#include "model/json_writer.h"
#include "receivers/webhook/webhook.h"

namespace hawatch::alerting {

namespace {

// Alertmanager's error bodies are a JSON string.
HttpReply error_reply(int status, const std::string& message) {
  std::string body;
  append_json_string(body, message);
  return {status, "application/json", body + "\n", {}};
}

HttpReply json_reply(std::string body) {
  return {200, "application/json", std::move(body), {}};
}

HttpReply not_configured() {
  return error_reply(503, "alerting is not configured (the config has no alerting.route)");
}

std::multimap<std::string, std::string> query_params(const std::string& query) {
  std::multimap<std::string, std::string> out;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string part = query.substr(start, end - start);
    if (!part.empty()) {
      const std::size_t eq = part.find('=');
      std::string key, value;
      Poco::URI::decode(part.substr(0, eq), key, true);
      if (eq != std::string::npos) Poco::URI::decode(part.substr(eq + 1), value, true);
      out.emplace(std::move(key), std::move(value));
    }
    start = end + 1;
  }
  return out;
}

// A boolean query parameter: its value, or `fallback` when absent. Throws ApiError.
bool flag(const std::multimap<std::string, std::string>& params, const std::string& name,
          bool fallback) {
  auto it = params.find(name);
  if (it == params.end()) return fallback;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  throw ApiError("query parameter " + name + " must be true or false");
}

Matchers filters(const std::multimap<std::string, std::string>& params) {
  Matchers out;
  auto [from, to] = params.equal_range("filter");
  for (auto it = from; it != to; ++it) {
    try {
      for (Matcher& m : parse_matchers(it->second, "filter")) out.push_back(std::move(m));
    } catch (const MatcherError& e) {
      throw ApiError(e.what());
    }
  }
  return out;
}

void write_map(JsonWriter& w, const LabelSet& map) {
  w.begin_object();
  for (const auto& [k, v] : map) w.key(k).value(v);
  w.end_object();
}

void write_strings(JsonWriter& w, const std::vector<std::string>& list) {
  w.begin_array();
  for (const auto& s : list) w.value(s);
  w.end_array();
}

// gettableAlert, in Alertmanager's field order.
void write_alert(JsonWriter& w, const AlertView& v) {
  const Alert& a = v.alert;
  w.begin_object();
  w.key("annotations");
  write_map(w, a.annotations);
  w.key("endsAt").value(format_rfc3339(a.ends_at));
  w.key("fingerprint").value(format_fingerprint(a.fingerprint()));
  w.key("receivers").begin_array();
  for (const auto& r : v.receivers) w.begin_object().key("name").value(r).end_object();
  w.end_array();
  w.key("startsAt").value(format_rfc3339(a.starts_at));
  w.key("status").begin_object();
  w.key("inhibitedBy");
  write_strings(w, v.inhibited_by);
  w.key("silencedBy");
  write_strings(w, v.silenced_by);
  w.key("state").value(v.suppressed() ? "suppressed" : "active");
  w.end_object();
  w.key("updatedAt").value(format_rfc3339(a.updated_at));
  w.key("generatorURL").value(a.generator_url);
  w.key("labels");
  write_map(w, a.labels);
  w.end_object();
}

// The alerts a GET asks for (Alertmanager's alertFilter).
std::vector<AlertView> selected_alerts(const AlertingService& service,
                                       const std::multimap<std::string, std::string>& params,
                                       Time now) {
  const Matchers matchers = filters(params);
  const bool active = flag(params, "active", true);
  const bool silenced = flag(params, "silenced", true);
  const bool inhibited = flag(params, "inhibited", true);
  (void)flag(params, "unprocessed", true);  // hawatch processes alerts as they arrive
  auto receiver = params.find("receiver");
  std::vector<AlertView> out;
  for (AlertView& v : service.alerts(now)) {
    if (!matches_all(matchers, v.alert.labels)) continue;
    if (!v.silenced_by.empty() && !silenced) continue;
    if (!v.inhibited_by.empty() && !inhibited) continue;
    if (!v.suppressed() && !active) continue;
    if (receiver != params.end() &&
        std::none_of(v.receivers.begin(), v.receivers.end(), [&](const std::string& r) {
          try {
            return Matcher(MatchType::regex, "receiver", receiver->second).matches(r);
          } catch (const MatcherError&) {
            return false;
          }
        }))
      continue;
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(),
            [](const AlertView& x, const AlertView& y) { return alert_before(x.alert, y.alert); });
  return out;
}

// Runs a handler, turning ApiError into 400 and anything unexpected into 500.
template <typename F>
HttpReply guarded(const char* what, F&& f) {
  try {
    return f();
  } catch (const ApiError& e) {
    return error_reply(400, e.what());
  } catch (const SilenceError& e) {
    return error_reply(e.kind() == SilenceError::Kind::not_found ? 404 : 400, e.what());
  } catch (const std::exception& e) {
    log::error("alerting API request failed", {{"endpoint", what}, {"err", e.what()}});
    return error_reply(500, e.what());
  }
}

std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "; ") + e;
  return out;
}

// POST bodies of alerts: all valid or none taken.
HttpReply take_alerts(AlertingService& service, const HttpRequest& req, bool webhook) {
  if (auto why = check_inbound_signature(service.config().inbound, req, Clock::now()); !why.empty())
    return error_reply(401, why);
  const AlertingConfig cfg = service.config();
  const Time now = Clock::now();
  const PostedAlerts posted =
      webhook ? parse_webhook_message(req.body, now, cfg.inbound.webhook_resolve_timeout)
              : parse_postable_alerts(req.body, now, cfg.resolve_timeout);
  if (!posted.errors.empty()) return error_reply(400, joined(posted.errors));
  const InsertResult r = service.insert(posted.alerts, webhook ? "webhook" : "api");
  if (r.refused) return error_reply(503, std::to_string(r.refused) + " alerts refused: store full");
  return {200, "application/json", "", {}};
}

HttpReply get_alerts(const AlertingApiOptions& o, const HttpRequest& req) {
  auto service = o.slot->get();
  if (!service) return json_reply(o.local_alerts_json ? o.local_alerts_json() : "[]");
  JsonWriter w;
  w.begin_array();
  for (const AlertView& v : selected_alerts(*service, query_params(req.query), Clock::now()))
    write_alert(w, v);
  w.end_array();
  return json_reply(w.take());
}

HttpReply get_groups(AlertingService& service, const HttpRequest& req) {
  const auto params = query_params(req.query);
  const Time now = Clock::now();
  std::map<Fingerprint, AlertView> views;
  for (AlertView& v : selected_alerts(service, params, now)) {
    const Fingerprint fp = v.alert.fingerprint();
    views.emplace(fp, std::move(v));
  }
  JsonWriter w;
  w.begin_array();
  for (const GroupInfo& g : service.groups()) {
    std::vector<const AlertView*> members;
    for (const Alert& a : g.alerts)
      if (auto it = views.find(a.fingerprint()); it != views.end()) members.push_back(&it->second);
    if (members.empty()) continue;
    w.begin_object().key("alerts").begin_array();
    for (const AlertView* v : members) write_alert(w, *v);
    w.end_array();
    w.key("labels");
    write_map(w, g.group_labels);
    w.key("receiver").begin_object().key("name").value(g.receiver).end_object();
    w.end_object();
  }
  w.end_array();
  return json_reply(w.take());
}

HttpReply get_silences(AlertingService& service, const HttpRequest& req) {
  const Matchers wanted = filters(query_params(req.query));
  std::vector<Silence> list = service.silences().list();
  // As Alertmanager: a silence is listed when each filter matcher equals one of its matchers.
  std::erase_if(list, [&](const Silence& s) {
    return std::any_of(wanted.begin(), wanted.end(), [&](const Matcher& f) {
      return std::none_of(s.matchers.begin(), s.matchers.end(), [&](const Matcher& m) {
        return m.name() == f.name() && m.value() == f.value() && m.type() == f.type();
      });
    });
  });
  return json_reply(encode_gettable_silences(list, Clock::now()));
}

HttpReply post_silence(AlertingService& service, const HttpRequest& req) {
  Silence s = parse_postable_silence(req.body);
  const std::string id = service.silences().set(std::move(s), Clock::now());
  JsonWriter w;
  w.begin_object().key("silenceID").value(id).end_object();
  return json_reply(w.take());
}

HttpReply one_silence(AlertingService& service, const HttpRequest& req) {
  const std::string id = req.path.substr(std::string("/api/v2/silence/").size());
  if (id.empty() || id.find('/') != std::string::npos) return error_reply(404, "no such silence");
  if (req.method == "DELETE") {
    service.silences().expire(id, Clock::now());
    return {200, "application/json", "", {}};
  }
  auto s = service.silences().get(id);
  if (!s) return error_reply(404, "silence " + id + " not found");
  return json_reply(encode_gettable_silence(*s, Clock::now()));
}

HttpReply get_status(const AlertingApiOptions& o, AlertingService& service) {
  const AlertingConfig cfg = service.config();
  const auto uptime = service.started_at();
  JsonWriter w;
  w.begin_object();
  w.key("cluster").begin_object().key("name").value("").key("peers").begin_array().end_array();
  w.key("status").value("disabled").end_object();
  w.key("config").begin_object().key("original").value(cfg.alertmanager_yaml);
  w.end_object();
  w.key("uptime").value(format_rfc3339(uptime));
  w.key("versionInfo").begin_object();
  w.key("branch").value("").key("buildDate").value("").key("buildUser").value("");
  w.key("goVersion").value("none (hawatch)").key("revision").value(o.revision);
  w.key("version").value(o.version).end_object();
  w.end_object();
  return json_reply(w.take());
}

HttpReply get_receivers(AlertingService& service) {
  JsonWriter w;
  w.begin_array();
  for (const auto& r : service.receiver_names()) w.begin_object().key("name").value(r).end_object();
  w.end_array();
  return json_reply(w.take());
}

// A route whose handler needs the running service.
HttpRoute with_service(const AlertingApiOptions& o, std::vector<std::string> methods,
                       std::string path, bool prefix, std::size_t max_body,
                       std::function<HttpReply(AlertingService&, const HttpRequest&)> handler) {
  const std::string what = path;
  return {std::move(methods), std::move(path), prefix, max_body,
          [slot = o.slot, handler = std::move(handler), what](const HttpRequest& req) {
            auto service = slot->get();
            if (!service) return not_configured();
            return guarded(what.c_str(), [&] { return handler(*service, req); });
          }};
}

std::string html(std::string_view s) {
  return html_escape(s);
}

// A receiver's error as the page shows it: it may quote the peer, so at most 200 bytes of it.
std::string printable_failure(std::string_view detail) {
  return html(printable_text(detail, 200));
}

}  // namespace

std::string check_inbound_signature(const InboundConfig& inbound, const HttpRequest& request,
                                    Time now) {
  if (inbound.hmac_secret_file.empty()) return "";
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  const std::string& ts = request.header(lower(inbound.timestamp_header));
  const std::string& signature = request.header(lower(inbound.signature_header));
  if (ts.empty() || signature.empty())
    return "missing " + inbound.timestamp_header + " or " + inbound.signature_header + " header";
  long long seconds = 0;
  const auto [end, ec] = std::from_chars(ts.data(), ts.data() + ts.size(), seconds);
  if (ec != std::errc() || end != ts.data() + ts.size())
    return inbound.timestamp_header + " is not Unix seconds";
  const auto at = Time(std::chrono::seconds(seconds));
  if (at < now - inbound.max_skew || at > now + inbound.max_skew)
    return inbound.timestamp_header + " too far from now (replayed or clock skew)";
  std::string secret;
  try {
    secret = net::read_secret_file(inbound.hmac_secret_file);
  } catch (const std::exception& e) {
    log::error("inbound HMAC secret unreadable", {{"err", e.what()}});
    return "signature cannot be checked";
  }
  const std::string want = hmac_sha256_hex(secret, ts + ":" + request.body);
  // Constant time: how much of a forged signature matches must not show in the timing.
  unsigned char diff = want.size() == signature.size() ? 0 : 1;
  for (std::size_t i = 0; i < want.size() && i < signature.size(); ++i)
    diff |= static_cast<unsigned char>(want[i] ^
                                       std::tolower(static_cast<unsigned char>(signature[i])));
  return diff == 0 ? "" : "bad " + inbound.signature_header;
}

std::vector<HttpRoute> alerting_routes(AlertingApiOptions o) {
  std::vector<HttpRoute> routes;
  routes.push_back(with_service(o, {"GET"}, "/api/v2/alerts/groups", false, 0, get_groups));
  routes.push_back(
      {{"GET", "POST"}, "/api/v2/alerts", false, o.max_alerts_body, [o](const HttpRequest& req) {
         if (req.method == "GET")
           return guarded("GET /api/v2/alerts", [&] { return get_alerts(o, req); });
         auto service = o.slot->get();
         if (!service) return not_configured();
         return guarded("POST /api/v2/alerts", [&] { return take_alerts(*service, req, false); });
       }});
  routes.push_back(with_service(o, {"GET", "POST"}, "/api/v2/silences", false, o.max_silence_body,
                                [](AlertingService& s, const HttpRequest& req) {
                                  return req.method == "GET" ? get_silences(s, req)
                                                             : post_silence(s, req);
                                }));
  routes.push_back(with_service(o, {"GET", "DELETE"}, "/api/v2/silence/", true, 0, one_silence));
  routes.push_back(
      with_service(o, {"GET"}, "/api/v2/status", false, 0,
                   [o](AlertingService& s, const HttpRequest&) { return get_status(o, s); }));
  routes.push_back(
      with_service(o, {"GET"}, "/api/v2/receivers", false, 0,
                   [](AlertingService& s, const HttpRequest&) { return get_receivers(s); }));
  routes.push_back(with_service(
      o, {"POST"}, "/api/v1/webhook", false, o.max_alerts_body,
      [](AlertingService& s, const HttpRequest& req) { return take_alerts(s, req, true); }));
  return routes;
}

std::string alerting_status_html(const AlertingService& service) {
  const Time now = Clock::now();
  std::string out = "<h2>Alert routing</h2>\n";
  const auto alerts = service.alerts(now);
  if (alerts.empty()) {
    out += "<p>No alert is firing.</p>\n";
  } else {
    out +=
        "<table><tr><th>alert</th><th>state</th><th>since</th><th>receivers</th>"
        "<th>source</th></tr>\n";
    for (const AlertView& v : alerts) {
      auto name = v.alert.labels.find("alertname");
      std::string receivers;
      for (const auto& r : v.receivers) receivers += (receivers.empty() ? "" : ", ") + r;
      out += std::string("<tr class=\"") + (v.suppressed() ? "suppressed" : "firing") + "\"><td>" +
             html(name == v.alert.labels.end() ? format_label_set(v.alert.labels) : name->second) +
             "</td><td>" + (v.suppressed() ? "suppressed" : "firing") + "</td><td>" +
             html(format_rfc3339(v.alert.starts_at)) + "</td><td>" + html(receivers) + "</td><td>" +
             html(v.source) + "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "<h2>Silences</h2>\n";
  std::vector<Silence> silences = service.silences().list();
  std::erase_if(silences, [&](const Silence& s) { return s.state(now) == SilenceState::expired; });
  if (silences.empty()) {
    out += "<p>No silence is active or pending.</p>\n";
  } else {
    out +=
        "<table><tr><th>matchers</th><th>state</th><th>until</th><th>by</th><th>comment</th>"
        "</tr>\n";
    for (const Silence& s : silences)
      out += "<tr><td>" + html(to_string(s.matchers)) + "</td><td>" +
             std::string(to_string(s.state(now))) + "</td><td>" + html(format_rfc3339(s.ends_at)) +
             "</td><td>" + html(s.created_by) + "</td><td>" + html(s.comment) + "</td></tr>\n";
    out += "</table>\n";
  }
  out += "<h2>Notifications</h2>\n<p>" + std::to_string(service.queue_length()) +
         " waiting in the spool.</p>\n";
  // Each integration that was tried, with its latest outcome: the reason a person looks for when
  // notifications stop arriving (the receiver's own error, e.g. "http: 500" or a timeout).
  const auto states = service.integration_states();
  bool any_tried = false;
  for (const auto& [key, c] : states) any_tried = any_tried || c.attempts > 0;
  if (any_tried) {
    out +=
        "<table class=\"receivers\"><tr><th>receiver</th><th>state</th><th>latest "
        "failure</th></tr>\n";
    for (const auto& [key, c] : states) {
      if (c.attempts == 0) continue;
      out += std::string("<tr class=\"") + (c.last_failed ? "failed" : "ok") + "\"><td>" +
             html(key.first + "/" + key.second) + "</td><td>" + (c.last_failed ? "failing" : "ok") +
             "</td><td>" +
             (c.last_failed ? printable_failure(c.last_failure) : std::string("&ndash;")) +
             "</td></tr>\n";
    }
    out += "</table>\n";
  }
  const auto events = service.last_notifications();
  if (!events.empty()) {
    out +=
        "<table "
        "class=\"notifications\"><tr><th>at</th><th>receiver</th><th>integration</th><th>outcome</"
        "th></tr>\n";
    for (const NotificationEvent& e : events) {
      char latency[32];
      std::snprintf(latency, sizeof latency, "%.3f s", e.latency_seconds);
      out += std::string("<tr class=\"") + (e.delivered ? "ok" : "failed") + "\"><td>" +
             html(format_rfc3339(e.at)) + "</td><td>" + html(e.receiver) + "</td><td>" +
             html(e.integration) + "</td><td>" +
             (e.delivered ? "delivered after " + std::string(latency)
                          : "given up: " + html(e.detail)) +
             "</td></tr>\n";
    }
    out += "</table>\n";
  }
  return out;
}

}  // namespace hawatch::alerting
