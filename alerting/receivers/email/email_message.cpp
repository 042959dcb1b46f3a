#include "receivers/email/email_message.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <sstream>

#include "receivers/email/email_templates.h"
#include "receivers/email/mime.h"
#include "template/template.h"

namespace hawatch::alerting {
namespace {

// The size bound: each part at most 1 MiB before quoted-printable (at most ~3.1 MiB after), so
// the whole message stays under the spool's 8 MiB per notification whatever the alerts hold.
// One label or annotation value prints at most 16 KiB; a header value at most 2 KiB.
constexpr std::size_t kMaxPartBytes = 1u << 20;
constexpr std::size_t kMaxValueBytes = 16 * 1024;
constexpr std::size_t kMaxHeaderBytes = 2048;

tmpl::Limits body_limits(bool html) {
  tmpl::Limits limits;
  limits.max_output_bytes = kMaxPartBytes;
  limits.max_steps = 2'000'000;
  limits.escape_html = html;
  return limits;
}

tmpl::StringMap string_map(const LabelSet& labels) {
  tmpl::StringMap out;
  for (const auto& [k, v] : labels)
    out.emplace(mail::sanitize_utf8(k), mail::clip_utf8(mail::sanitize_utf8(v), kMaxValueBytes));
  return out;
}

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

// html/template puts "#ZgotmplZ" where a URL with an unsafe scheme would go.
std::string safe_url(const std::string& url, bool for_html) {
  if (!for_html || url.empty()) return url;
  std::string lower;
  for (char c : url.substr(0, 8))
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool ok = lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
  return ok ? url : "#ZgotmplZ";
}

// Go's regexp.QuoteMeta, which Alertmanager applies to the receiver name in template data.
std::string quote_meta(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

tmpl::RecordPtr alert_list(std::vector<tmpl::Value> items,
                           std::vector<std::pair<std::string, tmpl::Value>> fields = {}) {
  auto r = std::make_shared<tmpl::Record>();
  r->type = "template.Alerts";
  r->items = std::move(items);
  r->fields = std::move(fields);
  return r;
}

tmpl::Value alert_record(const Alert& a, Time now, bool for_html) {
  auto r = std::make_shared<tmpl::Record>();
  r->type = "template.Alert";
  r->fields = {
      {"Status", std::string(to_string(a.status_at(now)))},
      {"Labels", string_map(a.labels)},
      {"Annotations", string_map(a.annotations)},
      {"StartsAt", format_go_time(a.starts_at)},
      {"EndsAt", format_go_time(a.ends_at)},
      {"GeneratorURL",
       safe_url(mail::clip_utf8(mail::sanitize_utf8(a.generator_url), kMaxValueBytes), for_html)},
      {"Fingerprint", format_fingerprint(a.fingerprint())},
  };
  return tmpl::RecordPtr(std::move(r));
}

bool any_firing(const NotifyContext& ctx, const std::vector<Alert>& alerts) {
  return std::any_of(alerts.begin(), alerts.end(),
                     [&](const Alert& a) { return !a.resolved_at(ctx.now); });
}

// KV.SortedPairs().Values(): alertname first, then by name.
std::vector<std::string> sorted_values(const LabelSet& labels) {
  std::vector<std::string> out;
  if (auto it = labels.find("alertname"); it != labels.end()) out.push_back(it->second);
  for (const auto& [k, v] : labels)
    if (k != "alertname") out.push_back(v);
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

struct Body {
  bool ok = false;  // false: even the default template failed (too large)
  std::string text;
};

// Runs a body template; a template that fails at run time must not lose the notification, so
// the default one is used instead, with the error said in the part.
Body render_once(const std::optional<std::string>& configured, std::string_view fallback,
                 const tmpl::Value& data, bool html) {
  std::string error;
  if (configured) {
    auto parsed = tmpl::Template::parse(*configured, html ? "html" : "text");
    if (auto* t = std::get_if<tmpl::Template>(&parsed)) {
      tmpl::Expansion e = t->execute(data, body_limits(html));
      if (e.ok) return {true, e.text};
      error = e.error;
    } else {
      error = std::get<std::string>(parsed);
    }
  }
  auto parsed = tmpl::Template::parse(fallback, html ? "default html" : "default text");
  tmpl::Expansion e = std::get<tmpl::Template>(parsed).execute(data, body_limits(html));
  if (!e.ok) return {false, "(the default template failed: " + e.error + ")\n"};
  std::string text = e.text;
  if (!error.empty()) {
    const std::string note =
        "(the configured template failed, the default was used: " + error + ")";
    text += html ? "<p>" + tmpl::html_escape(note) + "</p>\n" : "\n" + note + "\n";
  }
  return {true, text};
}

// A group too large for the size bound is shown in part: the first half of its alerts, then
// the first quarter, ..., with a note saying how many are left out.
std::string render_body(const EmailConfig& config, const NotifyContext& ctx,
                        const std::vector<Alert>& alerts, bool html) {
  const std::optional<std::string>& configured = html ? config.html : config.text;
  const std::string_view fallback = html ? kDefaultEmailHtml : kDefaultEmailText;
  std::size_t shown = alerts.size();
  for (;;) {
    const std::vector<Alert> part(alerts.begin(),
                                  alerts.begin() + static_cast<std::ptrdiff_t>(shown));
    Body body = render_once(configured, fallback,
                            email_template_data(ctx, part, config.external_url, html), html);
    if (!body.ok && shown > 1) {
      shown /= 2;
      continue;
    }
    if (shown < alerts.size()) {
      const std::string note = "(" + std::to_string(alerts.size() - shown) + " of " +
                               std::to_string(alerts.size()) +
                               " alerts left out: the message size is bounded)";
      body.text += html ? "<p>" + note + "</p>\n" : "\n" + note + "\n";
    }
    return body.text;
  }
}

std::string render_header(const std::string& source, const tmpl::Value& data,
                          const std::string& fallback) {
  auto parsed = tmpl::Template::parse(source, "header");
  if (auto* t = std::get_if<tmpl::Template>(&parsed)) {
    tmpl::Limits limits;
    limits.max_output_bytes = 16 * 1024;
    tmpl::Expansion e = t->execute(data, limits);
    if (e.ok) return e.text;
  }
  return fallback;
}

bool address_header(const std::string& name) {
  return name == "From" || name == "To" || name == "Cc" || name == "Reply-To" || name == "Sender";
}

// Address headers keep their addresses readable (encoded display names only); every other
// value, and an address header whose template did not yield an address list, is one safe line.
std::string encode_header(const std::string& name, const std::string& value) {
  const std::string clipped = mail::clip_utf8(value, kMaxHeaderBytes);
  if (address_header(name))
    if (auto list = mail::encode_address_header(clipped)) return *list;
  return mail::encode_header_value(clipped);
}

void add_part(Poco::Net::MailMessage& message, const std::string& text, const char* type) {
  message.addPart("",
                  std::make_unique<Poco::Net::StringPartSource>(mail::crlf_lines(text), type)
                      .release(),  // Poco takes ownership
                  Poco::Net::MailMessage::CONTENT_INLINE,
                  Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
}

}  // namespace

std::string format_go_time(Time t) {
  using namespace std::chrono;
  // Go's zero time is year 1; system_clock's zero is 1970, which Time{} stands for here.
  if (t == Time{}) return "0001-01-01 00:00:00 +0000 UTC";
  const auto secs = floor<seconds>(t);
  const auto nanos = duration_cast<nanoseconds>(t - secs).count();
  const std::time_t tt = Clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  std::string out = buf;
  if (nanos > 0) {
    char frac[32];
    std::snprintf(frac, sizeof frac, ".%09lld", static_cast<long long>(nanos));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + " +0000 UTC";
}

tmpl::Value email_template_data(const NotifyContext& ctx, const std::vector<Alert>& alerts,
                                const std::string& external_url, bool for_html) {
  std::vector<tmpl::Value> all, firing, resolved;
  for (const Alert& a : alerts) {
    tmpl::Value v = alert_record(a, ctx.now, for_html);
    all.push_back(v);
    (a.resolved_at(ctx.now) ? resolved : firing).push_back(std::move(v));
  }
  auto data = std::make_shared<tmpl::Record>();
  data->type = "template.Data";
  data->fields = {
      {"Receiver", mail::sanitize_utf8(quote_meta(ctx.receiver))},
      {"Status", std::string(any_firing(ctx, alerts) ? "firing" : "resolved")},
      {"Alerts", alert_list(std::move(all), {{"Firing", alert_list(std::move(firing))},
                                             {"Resolved", alert_list(std::move(resolved))}})},
      {"GroupLabels", string_map(ctx.group_labels)},
      {"CommonLabels",
       string_map(common(alerts, [](const Alert& a) -> const LabelSet& { return a.labels; }))},
      {"CommonAnnotations",
       string_map(common(alerts, [](const Alert& a) -> const LabelSet& { return a.annotations; }))},
      {"ExternalURL", safe_url(mail::sanitize_utf8(external_url), for_html)},
  };
  return tmpl::RecordPtr(std::move(data));
}

std::string default_email_subject(const NotifyContext& ctx, const std::vector<Alert>& alerts) {
  const bool firing = any_firing(ctx, alerts);
  std::string subject = firing ? "[FIRING:" : "[RESOLVED";
  if (firing) {
    subject += std::to_string(std::count_if(
        alerts.begin(), alerts.end(), [&](const Alert& a) { return !a.resolved_at(ctx.now); }));
  }
  subject += "] " + join(sorted_values(ctx.group_labels), " ");
  const LabelSet common_labels =
      common(alerts, [](const Alert& a) -> const LabelSet& { return a.labels; });
  if (common_labels.size() > ctx.group_labels.size()) {
    LabelSet rest = common_labels;
    for (const auto& [k, v] : ctx.group_labels) rest.erase(k);
    subject += " (" + join(sorted_values(rest), " ") + ")";
  }
  while (!subject.empty() && subject.back() == ' ') subject.pop_back();
  return subject;
}

std::string render_email_message(const EmailConfig& config, const NotifyContext& ctx,
                                 const std::vector<Alert>& alerts) {
  const tmpl::Value text_data = email_template_data(ctx, alerts, config.external_url, false);

  std::map<std::string, std::string> headers{
      {"From", config.from},
      {"To", config.to},
      {"Subject", default_email_subject(ctx, alerts)},
  };
  for (const auto& [name, source] : config.headers)
    headers[name] = render_header(source, text_data, headers.count(name) ? headers[name] : "");

  Poco::Net::MailMessage message;
  const Time when = ctx.now == Time{} ? Clock::now() : ctx.now;
  message.setDate(Poco::Timestamp::fromEpochTime(Clock::to_time_t(when)));
  message.setContentType("multipart/alternative");
  for (const auto& [name, value] : headers) {
    // Poco would write Content-Type and the MIME headers itself; a template must not replace
    // them and break the structure.
    if (name == "Content-Type" || name == "Content-Transfer-Encoding" || name == "Mime-Version")
      continue;
    message.set(name, encode_header(name, value));
  }
  // Text first, HTML last: the preferred alternative comes last (RFC 2046 5.1.4).
  if (!config.text || !config.text->empty())
    add_part(message, render_body(config, ctx, alerts, false), "text/plain; charset=UTF-8");
  if (!config.html || !config.html->empty())
    add_part(message, render_body(config, ctx, alerts, true), "text/html; charset=UTF-8");
  std::ostringstream out;
  message.write(out);
  return out.str();
}

std::string with_delivery_headers(const std::string& message, const std::string& key,
                                  const std::string& domain) {
  std::string safe_key;
  for (char c : key)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.') safe_key += c;
  std::string headers = std::string(kIdempotencyHeader) + ": " + safe_key + "\r\n";
  // Header names are case-insensitive; the message's own headers end at the first empty line.
  const std::size_t end = message.find("\r\n\r\n");
  std::string head = message.substr(0, end == std::string::npos ? message.size() : end);
  for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool has_id =
      head.rfind("message-id:", 0) == 0 || head.find("\r\nmessage-id:") != std::string::npos;
  if (!has_id) headers = "Message-ID: <" + safe_key + "@" + domain + ">\r\n" + headers;
  return headers + message;
}

}  // namespace hawatch::alerting
