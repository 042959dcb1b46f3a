#include "receivers/email/email_config.h"

#include <charconv>

#include "template/template.h"

namespace hawatch::alerting {
namespace {

// HOST:PORT or [IPv6]:PORT.
bool split_smarthost(const std::string& text, std::string& host, std::uint16_t& port) {
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return false;
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) return false;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty() || host.find_first_of(" \t\r\n/") != std::string::npos) return false;
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
  if (ec != std::errc() || p != port_text.data() + port_text.size() || value == 0 || value > 65535)
    return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// A template is checked by parsing; the error names the key and carries Go's message.
void check_template(MapReader& m, const std::string& key, const std::string& text,
                    const YAML::Node& at) {
  auto parsed = tmpl::Template::parse(text, key);
  if (auto* error = std::get_if<std::string>(&parsed))
    m.context().error(at, m.where() + "." + key + ": " + *error);
}

void read_headers(MapReader& m, EmailConfig& c) {
  const YAML::Node headers = m.node("headers");
  if (!headers.IsDefined() || headers.IsNull()) return;
  if (!headers.IsMap()) {
    m.context().error(headers, m.where() + ".headers must be a mapping of header names to values");
    return;
  }
  for (const auto& kv : headers) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!mail::valid_header_name(name)) {
      m.context().error(kv.first, m.where() + ".headers: \"" + name + "\" is not a header name");
      continue;
    }
    if (!kv.second.IsScalar()) {
      m.context().error(kv.second, m.where() + ".headers." + name + " must be a string");
      continue;
    }
    const std::string canonical = mail::canonical_header_name(name);
    if (c.headers.count(canonical)) {
      m.context().error(kv.first, m.where() + ".headers: \"" + name + "\" given twice");
      continue;
    }
    check_template(m, "headers." + name, kv.second.Scalar(), kv.second);
    c.headers[canonical] = kv.second.Scalar();
  }
}

void read_tls(MapReader& m, EmailConfig& c) {
  MapReader tls(m.node("tls_config"), m.context(), m.where() + ".tls_config");
  c.tls.ca_file = tls.string("ca_file").value_or("");
  c.tls.server_name = tls.string("server_name").value_or("");
  c.tls.insecure_skip_verify = tls.boolean("insecure_skip_verify").value_or(false);
  c.tls.cert_file = tls.string("cert_file").value_or("");
  c.tls.key_file = tls.string("key_file").value_or("");
  if (c.tls.cert_file.empty() != c.tls.key_file.empty())
    m.context().error(tls.node(c.tls.cert_file.empty() ? "key_file" : "cert_file"),
                      tls.where() + ": cert_file and key_file go together");
  for (const char* key : {"min_version", "max_version"}) {
    if (tls.has(key))
      m.context().error(tls.node(key), tls.where() + "." + key + " is not supported for email");
  }
  tls.finish();
}

void read_auth(MapReader& m, EmailConfig& c) {
  if (m.has("auth_password")) {
    m.context().error(m.node("auth_password"),
                      m.where() +
                          ".auth_password: a password is never written in the config; put it "
                          "in a file readable by hawatch only and use auth_password_file (or "
                          "auth_password_env)");
  }
  if (m.has("auth_secret")) {
    m.context().error(m.node("auth_secret"),
                      m.where() +
                          ".auth_secret: CRAM-MD5 is not supported; use PLAIN or LOGIN "
                          "over TLS with auth_password_file");
  }
  c.auth_username = m.string("auth_username").value_or("");
  c.auth_password_file = m.string("auth_password_file").value_or("");
  c.auth_password_env = m.string("auth_password_env").value_or("");
  c.auth_identity = m.string("auth_identity").value_or("");
  if (!c.auth_password_file.empty() && !c.auth_password_env.empty())
    m.context().error(m.node("auth_password_env"),
                      m.where() + ": auth_password_file and auth_password_env are exclusive");
  if (!c.auth_username.empty() && c.auth_password_file.empty() && c.auth_password_env.empty())
    m.context().error(m.node("auth_username"),
                      m.where() + ": auth_username needs auth_password_file or auth_password_env");
  if (auto mech = m.choice("auth_mechanism", {"auto", "PLAIN", "LOGIN"})) {
    c.auth_mechanism = *mech == "PLAIN"   ? SmtpAuthMechanism::plain
                       : *mech == "LOGIN" ? SmtpAuthMechanism::login
                                          : SmtpAuthMechanism::automatic;
  }
}

}  // namespace

EmailConfig read_email_config(const YAML::Node& node, ConfigContext& ctx,
                              const std::string& where) {
  MapReader m(node, ctx, where);
  EmailConfig c;
  std::string error;
  if (auto to = m.string("to")) {
    c.to = *to;
    if (auto list = mail::parse_address_list(c.to, error))
      c.to_addresses = std::move(*list);
    else
      ctx.error(m.node("to"), where + ".to: " + error);
  } else if (m.valid()) {
    ctx.error(node, where + ": to is required");
  }
  if (auto from = m.string("from")) {
    c.from = *from;
    auto list = mail::parse_address_list(c.from, error);
    if (!list)
      ctx.error(m.node("from"), where + ".from: " + error);
    else if (list->size() != 1)
      ctx.error(m.node("from"), where + ".from must be one address");
    else
      c.from_address = list->front();
  } else if (m.valid()) {
    ctx.error(node, where + ": from is required");
  }
  if (auto host = m.string("smarthost")) {
    if (!split_smarthost(*host, c.smarthost_host, c.smarthost_port))
      ctx.error(m.node("smarthost"), where + ".smarthost: \"" + *host +
                                         "\" is not HOST:PORT (e.g. smtp.example.test:587)");
  } else if (m.valid()) {
    ctx.error(node, where + ": smarthost is required");
  }
  if (auto hello = m.string("hello")) {
    if (hello->empty() || hello->find_first_of(" \t\r\n") != std::string::npos)
      ctx.error(m.node("hello"), where + ".hello must be one word (a host name)");
    else
      c.hello = *hello;
  }
  read_auth(m, c);
  c.require_tls = m.boolean("require_tls").value_or(true);
  if (auto mode = m.choice("tls_mode", {"auto", "implicit", "starttls"})) {
    c.tls_mode = *mode == "implicit"   ? SmtpTlsMode::implicit
                 : *mode == "starttls" ? SmtpTlsMode::starttls
                                       : SmtpTlsMode::automatic;
  }
  read_tls(m, c);
  read_headers(m, c);
  for (const char* key : {"html", "text"}) {
    if (!m.has(key)) continue;
    const YAML::Node at = m.node(key);
    auto value = m.string(key);
    if (!value) continue;
    check_template(m, key, *value, at);
    (std::string(key) == "html" ? c.html : c.text) = *value;
  }
  if (c.html && c.html->empty() && c.text && c.text->empty())
    ctx.error(node, where + ": html and text are both empty; the message would have no body");
  c.send_resolved = m.boolean("send_resolved").value_or(false);
  if (auto t = m.duration("timeout")) {
    if (t->count() <= 0)
      ctx.error(m.node("timeout"), where + ".timeout must be positive");
    else
      c.timeout = *t;
  }
  c.external_url = m.string("external_url").value_or("");
  m.finish();
  return c;
}

}  // namespace hawatch::alerting
