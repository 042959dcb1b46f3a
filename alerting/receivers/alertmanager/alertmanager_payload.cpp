#include "receivers/alertmanager/alertmanager_payload.h"

#include <curl/curl.h>

#include <memory>

#include "model/json_writer.h"

namespace hawatch::alerting {
namespace {

void write_map(JsonWriter& w, const LabelSet& map) {
  w.begin_object();
  for (const auto& [k, v] : map) w.key(k).value(v);
  w.end_object();
}

using UrlPtr = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

std::optional<std::string> part(CURLU* u, CURLUPart which) {
  char* text = nullptr;
  if (curl_url_get(u, which, &text, 0) != CURLUE_OK || !text) return std::nullopt;
  std::string out(text);
  curl_free(text);
  return out;
}

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  std::size_t lead = 0;
  while (lead < s.size() && s[lead] == '/') ++lead;
  return s.substr(lead);
}

}  // namespace

Time firing_valid_until(const NotifyContext& ctx) {
  const Duration repeat = std::max<Duration>(ctx.repeat_interval, std::chrono::minutes(1));
  return ctx.now + kValidityRepeats * repeat;
}

std::string render_postable_alerts(const NotifyContext& ctx, const std::vector<Alert>& alerts) {
  const Time valid_until = firing_valid_until(ctx);
  JsonWriter w;
  w.begin_array();
  for (const Alert& a : alerts) {
    w.begin_object();
    w.key("labels");
    write_map(w, a.labels);
    w.key("annotations");
    write_map(w, a.annotations);
    if (a.starts_at != Time{}) w.key("startsAt").value(format_rfc3339(a.starts_at));
    w.key("endsAt").value(format_rfc3339(a.resolved_at(ctx.now) ? a.ends_at : valid_until));
    if (!a.generator_url.empty()) w.key("generatorURL").value(a.generator_url);
    w.end_object();
  }
  w.end_array();
  return w.take();
}

std::optional<std::string> alerts_endpoint(const std::string& base, const std::string& path_prefix,
                                           std::string& why) {
  UrlPtr u(curl_url(), &curl_url_cleanup);
  if (!u) {
    why = "out of memory";
    return std::nullopt;
  }
  if (const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, base.c_str(), 0); rc != CURLUE_OK) {
    why = curl_url_strerror(rc);
    return std::nullopt;
  }
  const std::string scheme = part(u.get(), CURLUPART_SCHEME).value_or("");
  if (scheme != "http" && scheme != "https") {
    why = "scheme must be http or https";
  } else if (part(u.get(), CURLUPART_QUERY) || part(u.get(), CURLUPART_FRAGMENT)) {
    why = "an Alertmanager URL has no query or fragment";
  } else if (part(u.get(), CURLUPART_USER) || part(u.get(), CURLUPART_PASSWORD)) {
    why = "credentials go in basic_auth (with password_file), not in the URL";
  }
  for (const char c : path_prefix) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       std::string_view("-._~/").find(c) != std::string_view::npos;
    if (!plain && why.empty())
      why = "path_prefix may hold only letters, digits, '-', '.', '_', '~' and '/'";
  }
  if (!why.empty()) return std::nullopt;
  std::string path;
  for (const std::string& piece : {trim_slashes(part(u.get(), CURLUPART_PATH).value_or("")),
                                   trim_slashes(path_prefix), std::string("api/v2/alerts")}) {
    if (!piece.empty()) path += "/" + piece;
  }
  if (curl_url_set(u.get(), CURLUPART_PATH, path.c_str(), 0) != CURLUE_OK) {
    why = "bad path_prefix";
    return std::nullopt;
  }
  return part(u.get(), CURLUPART_URL);
}

}  // namespace hawatch::alerting
