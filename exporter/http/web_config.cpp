#include "web_config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>

#include "core/config_reader.h"
#include "core/file_io.h"

namespace hawatch {
namespace {

std::string resolve(const std::string& source, const std::string& file) {
  if (file.empty() || file.front() == '/') return file;
  return (std::filesystem::path(source).parent_path() / file).lexically_normal().string();
}

std::optional<TlsVersion> parse_version(const std::string& v) {
  if (v == "TLS10") return TlsVersion::tls10;
  if (v == "TLS11") return TlsVersion::tls11;
  if (v == "TLS12") return TlsVersion::tls12;
  if (v == "TLS13") return TlsVersion::tls13;
  return std::nullopt;
}

void check_readable(ConfigContext& ctx, const YAML::Node& at, const std::string& key,
                    const std::string& file) {
  if (::access(file.c_str(), R_OK) != 0) {
    ctx.error(at, "\"" + key + "\": cannot read " + file + ": " + std::strerror(errno));
    return;
  }
  // access() is happy with a directory (a path missing its file name); the TLS setup at startup
  // is not, and --check-config must catch it first.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    ctx.error(at, "\"" + key + "\": " + file + " is not a regular file");
}

// `section` is the tls_server_config mapping: a required key that is absent has no position of
// its own, so its error points at the section that lacks it.
TlsServerConfig read_tls(MapReader& tls, const YAML::Node& section, const std::string& source) {
  TlsServerConfig cfg;
  ConfigContext& ctx = tls.context();
  cfg.cert_file = resolve(source, tls.string("cert_file").value_or(""));
  cfg.key_file = resolve(source, tls.string("key_file").value_or(""));
  cfg.client_ca_file = resolve(source, tls.string("client_ca_file").value_or(""));
  const auto auth =
      tls.choice("client_auth_type", {"NoClientCert", "RequestClientCert", "RequireAnyClientCert",
                                      "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"});
  if (auth == "RequestClientCert") cfg.client_auth = ClientAuth::request;
  if (auth == "RequireAnyClientCert") cfg.client_auth = ClientAuth::require_any;
  if (auth == "VerifyClientCertIfGiven") cfg.client_auth = ClientAuth::verify_if_given;
  if (auth == "RequireAndVerifyClientCert") cfg.client_auth = ClientAuth::require_and_verify;
  const std::vector<std::string> versions{"TLS10", "TLS11", "TLS12", "TLS13"};
  if (auto v = tls.choice("min_version", versions)) cfg.min_version = *parse_version(*v);
  if (auto v = tls.choice("max_version", versions)) cfg.max_version = parse_version(*v);

  auto require = [&](const std::string& key, const std::string& value) {
    const YAML::Node n = tls.node(key);
    // A value of the wrong type was already reported by string(); absent, null or "" was not.
    if (value.empty() && (!n.IsDefined() || n.IsNull() || n.IsScalar()))
      ctx.error(n.IsDefined() ? n : section, "\"tls_server_config." + key + "\" is required");
  };
  require("cert_file", cfg.cert_file);
  require("key_file", cfg.key_file);
  if (!cfg.cert_file.empty())
    check_readable(ctx, tls.node("cert_file"), "cert_file", cfg.cert_file);
  if (!cfg.key_file.empty()) check_readable(ctx, tls.node("key_file"), "key_file", cfg.key_file);
  const bool verifies = cfg.client_auth == ClientAuth::verify_if_given ||
                        cfg.client_auth == ClientAuth::require_and_verify;
  if (verifies && cfg.client_ca_file.empty())
    ctx.error(tls.node("client_auth_type"),
              "\"client_auth_type\" verifies client certificates and needs \"client_ca_file\"");
  if (!cfg.client_ca_file.empty())
    check_readable(ctx, tls.node("client_ca_file"), "client_ca_file", cfg.client_ca_file);
  if (cfg.max_version && *cfg.max_version < cfg.min_version)
    ctx.error(tls.node("max_version"), "\"max_version\" is below \"min_version\"");
  return cfg;
}

bool looks_like_bcrypt(const std::string& hash) {
  // $2a$, $2b$ or $2y$, two-digit cost (04-31), then 53 characters of salt and hash in bcrypt's
  // base64 alphabet. Anything else makes crypt(3) fail on every login, locking everyone out with
  // a config that --check-config called fine.
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto b64 = [](char c) {
    return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
  };
  if (hash.size() != 60 || hash[0] != '$' || hash[1] != '2' ||
      (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') || hash[3] != '$' || hash[6] != '$' ||
      !digit(hash[4]) || !digit(hash[5]))
    return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (std::size_t i = 7; i < hash.size(); ++i)
    if (!b64(hash[i])) return false;
  return true;
}

// RFC 9110 token characters.
bool is_header_name(const std::string& name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
  });
}

// RFC 9110 field-value: visible characters, spaces and tabs, and bytes >= 0x80; no CR, LF, NUL.
bool is_header_value(const std::string& value) {
  return std::none_of(value.begin(), value.end(),
                      [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

}  // namespace

WebConfig parse_web_config(const std::string& text, const std::string& source) {
  ConfigContext ctx(source);
  YAML::Node root = parse_yaml(text, ctx);
  ctx.throw_if_errors();
  WebConfig cfg;
  cfg.source = source;
  MapReader top(root, ctx, "");
  if (YAML::Node tls_node = top.node("tls_server_config");
      tls_node.IsDefined() && !tls_node.IsNull()) {
    MapReader tls(tls_node, ctx, "tls_server_config");
    if (tls.valid()) cfg.tls = read_tls(tls, tls_node, source);
    cfg.tls_line = tls_node.Mark().line + 1;
    cfg.tls_column = tls_node.Mark().column + 1;
    tls.finish();
  }
  if (YAML::Node http = top.node("http_server_config"); http.IsDefined() && !http.IsNull()) {
    MapReader reader(http, ctx, "http_server_config");
    if (auto h2 = reader.boolean("http2"); h2 && *h2)
      ctx.error(reader.node("http2"), "\"http_server_config.http2\": HTTP/2 is not supported");
    YAML::Node headers = reader.node("headers");
    if (headers.IsMap()) {
      for (const auto& kv : headers) {
        if (!kv.second.IsScalar()) {
          ctx.error(kv.second, "header values must be strings");
          continue;
        }
        const std::string& name = kv.first.Scalar();
        const std::string& value = kv.second.Scalar();
        if (!is_header_name(name)) {
          ctx.error(kv.first,
                    "\"http_server_config.headers\": \"" + name + "\" is not an HTTP header name");
          continue;
        }
        if (!is_header_value(value)) {
          // A CR or LF here would end the header and start another, or the body.
          ctx.error(kv.second, "\"http_server_config.headers." + name +
                                   "\": control characters are not allowed in a header value");
          continue;
        }
        cfg.headers[name] = value;
      }
    } else if (headers.IsDefined() && !headers.IsNull()) {
      ctx.error(headers, "\"http_server_config.headers\" must be a mapping");
    }
    reader.finish();
  }
  if (YAML::Node users = top.node("basic_auth_users"); users.IsDefined() && !users.IsNull()) {
    if (!users.IsMap()) {
      ctx.error(users, "\"basic_auth_users\" must be a mapping of user name to bcrypt hash");
    } else {
      // yaml-cpp keeps both copies of a repeated key; the map below would silently keep the last.
      std::set<std::string> seen;
      for (const auto& kv : users) {
        const std::string user = kv.first.Scalar();
        if (!seen.insert(user).second) {
          ctx.error(kv.first, "duplicate key \"basic_auth_users." + user + "\"");
          continue;
        }
        if (!kv.second.IsScalar() || !looks_like_bcrypt(kv.second.Scalar())) {
          ctx.error(kv.second, "\"basic_auth_users." + user + "\" is not a bcrypt hash ($2y$...)");
          continue;
        }
        if (user.find(':') != std::string::npos)
          ctx.error(kv.first, "basic auth user names cannot contain ':'");
        cfg.basic_auth_users[user] = kv.second.Scalar();
      }
    }
  }
  top.finish();
  ctx.throw_if_errors();
  return cfg;
}

WebConfig load_web_config(const std::string& path) {
  // read(2), not std::ifstream: an ifstream reads a directory as an empty file, which would pass
  // as a web config with no TLS and no auth.
  std::string text;
  std::string why;
  if (!read_regular_file_into(path, text, why)) {
    ConfigContext ctx(path);
    ctx.error(YAML::Mark::null_mark(), "cannot read web config file: " + why);
    ctx.throw_if_errors();
  }
  return parse_web_config(text, path);
}

}  // namespace hawatch
