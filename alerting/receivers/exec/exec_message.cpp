#include "receivers/exec/exec_message.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "receivers/webhook/webhook_payload.h"

namespace hawatch::alerting {

std::string env_name_part(std::string_view label_name) {
  std::string out;
  out.reserve(label_name.size());
  for (const char c : label_name) {
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_') {
      out += c;
    } else {
      out += '_';
    }
  }
  return out;
}

namespace {

// Collects the variables, keeping every name once and the whole within its bounds.
class EnvBuilder {
 public:
  void set(const std::string& name, std::string_view value) {
    const std::size_t nul = value.find('\0');
    std::string_view kept = value.substr(0, std::min(nul, kMaxEnvValueBytes));
    if (kept.size() < value.size()) truncated_ = true;
    if (!names_.insert(name).second) return;
    entries_.push_back(name + "=" + std::string(kept));
    bytes_ += entries_.back().size() + 1;
  }
  // Label variables stop at the overall bound; a name that collides with one already set or is
  // too long is left out.
  void set_label(const std::string& prefix, std::string_view label, std::string_view value) {
    const std::string part = env_name_part(label);
    const std::size_t size =
        prefix.size() + part.size() + 2 + std::min(value.size(), kMaxEnvValueBytes);
    if (part.empty() || part.size() > kMaxEnvNameBytes || bytes_ + size > kMaxEnvBytes) {
      truncated_ = true;
      return;
    }
    if (names_.count(prefix + part)) return;  // "a-b" after "a_b": the first wins
    set(prefix + part, value);
  }
  std::vector<std::string> take() {
    if (truncated_) entries_.push_back("HAWATCH_ENV_TRUNCATED=1");
    return std::move(entries_);
  }

 private:
  std::vector<std::string> entries_;
  std::set<std::string> names_;
  std::size_t bytes_ = 0;
  bool truncated_ = false;
};

}  // namespace

ExecMessage make_exec_message(const NotifyContext& ctx, const std::vector<Alert>& alerts,
                              const ExecMessageOptions& options) {
  ExecMessage m;
  m.input = render_webhook_message(ctx, alerts, {options.external_url, options.max_alerts});
  const std::size_t firing = static_cast<std::size_t>(std::count_if(
      alerts.begin(), alerts.end(), [&](const Alert& a) { return !a.resolved_at(ctx.now); }));
  std::vector<Alert> sent = alerts;
  if (options.max_alerts > 0 && sent.size() > options.max_alerts) sent.resize(options.max_alerts);
  const bool any_firing = std::any_of(sent.begin(), sent.end(),
                                      [&](const Alert& a) { return !a.resolved_at(ctx.now); });
  EnvBuilder env;
  env.set("HAWATCH_RECEIVER", ctx.receiver);
  env.set("HAWATCH_STATUS", any_firing ? "firing" : "resolved");  // as the message's status
  env.set("HAWATCH_GROUP_KEY", ctx.group_key);
  env.set("HAWATCH_GROUP_LABELS", format_label_set(ctx.group_labels));
  env.set("HAWATCH_ALERTS", std::to_string(alerts.size()));
  env.set("HAWATCH_ALERTS_FIRING", std::to_string(firing));
  env.set("HAWATCH_ALERTS_RESOLVED", std::to_string(alerts.size() - firing));
  env.set("HAWATCH_ALERTS_TRUNCATED", std::to_string(alerts.size() - sent.size()));
  if (!options.external_url.empty()) env.set("HAWATCH_EXTERNAL_URL", options.external_url);
  for (const auto& [name, value] : ctx.group_labels)
    env.set_label("HAWATCH_GROUP_LABEL_", name, value);
  for (const auto& [name, value] : common_labels(sent))
    env.set_label("HAWATCH_COMMON_LABEL_", name, value);
  for (const auto& [name, value] : common_annotations(sent))
    env.set_label("HAWATCH_COMMON_ANNOTATION_", name, value);
  m.environment = env.take();
  return m;
}

// "hawatch-exec 1\n", then "env LEN\n" + LEN bytes + "\n" per variable, then "input LEN\n" +
// LEN bytes to the end.
namespace {
constexpr std::string_view kMagic = "hawatch-exec 1\n";

void put(std::string& out, std::string_view tag, std::string_view bytes) {
  out += tag;
  out += ' ';
  out += std::to_string(bytes.size());
  out += '\n';
  out += bytes;
}

// Reads "TAG LEN\n" at `pos`; the length must fit in what is left.
std::optional<std::size_t> take_header(std::string_view body, std::size_t& pos,
                                       std::string_view tag) {
  if (body.substr(pos, tag.size() + 1) != std::string(tag) + " ") return std::nullopt;
  pos += tag.size() + 1;
  const std::size_t nl = body.find('\n', pos);
  if (nl == std::string_view::npos || nl == pos || nl - pos > 12) return std::nullopt;
  std::size_t len = 0;
  const auto [end, ec] = std::from_chars(body.data() + pos, body.data() + nl, len);
  if (ec != std::errc() || end != body.data() + nl) return std::nullopt;
  pos = nl + 1;
  if (len > body.size() - pos) return std::nullopt;
  return len;
}
}  // namespace

std::string encode_exec_message(const ExecMessage& message) {
  std::string out(kMagic);
  for (const std::string& e : message.environment) {
    put(out, "env", e);
    out += '\n';
  }
  put(out, "input", message.input);
  return out;
}

std::optional<ExecMessage> decode_exec_message(std::string_view body) {
  if (body.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  ExecMessage m;
  std::size_t pos = kMagic.size();
  while (body.substr(pos, 4) == "env ") {
    const auto len = take_header(body, pos, "env");
    if (!len || pos + *len >= body.size() || body[pos + *len] != '\n') return std::nullopt;
    std::string entry(body.substr(pos, *len));
    if (entry.find('=') == std::string::npos || entry.find('\0') != std::string::npos)
      return std::nullopt;
    m.environment.push_back(std::move(entry));
    pos += *len + 1;
  }
  const auto len = take_header(body, pos, "input");
  if (!len || pos + *len != body.size()) return std::nullopt;
  m.input = std::string(body.substr(pos));
  return m;
}

}  // namespace hawatch::alerting
