#include "web_config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config_reader.h"

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
  if (::access(file.c_str(), R_OK) != 0)
    ctx.error(at, "\"" + key + "\": cannot read " + file);
}

TlsServerConfig read_tls(MapReader& tls, const std::string& source) {
  TlsServerConfig cfg;
  ConfigContext& ctx = tls.context();
  cfg.cert_file = resolve(source, tls.string("cert_file").value_or(""));
  cfg.key_file = resolve(source, tls.string("key_file").value_or(""));
  cfg.client_ca_file = resolve(source, tls.string("client_ca_file").value_or(""));
  const auto auth = tls.choice("client_auth_type",
                               {"NoClientCert", "RequestClientCert", "RequireAnyClientCert",
                                "VerifyClientCertIfGiven", "RequireAndVerifyClientCert"});
  if (auth == "RequestClientCert") cfg.client_auth = ClientAuth::request;
  if (auth == "RequireAnyClientCert") cfg.client_auth = ClientAuth::require_any;
  if (auth == "VerifyClientCertIfGiven") cfg.client_auth = ClientAuth::verify_if_given;
  if (auth == "RequireAndVerifyClientCert") cfg.client_auth = ClientAuth::require_and_verify;
  const std::vector<std::string> versions{"TLS10", "TLS11", "TLS12", "TLS13"};
  if (auto v = tls.choice("min_version", versions)) cfg.min_version = *parse_version(*v);
  if (auto v = tls.choice("max_version", versions)) cfg.max_version = parse_version(*v);

  const YAML::Node section_mark = tls.node("cert_file");
  if (cfg.cert_file.empty()) ctx.error(section_mark, "\"tls_server_config.cert_file\" is required");
  if (cfg.key_file.empty()) ctx.error(tls.node("key_file"), "\"tls_server_config.key_file\" is required");
  if (!cfg.cert_file.empty()) check_readable(ctx, tls.node("cert_file"), "cert_file", cfg.cert_file);
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
  // $2a$, $2b$ or $2y$, two-digit cost, then 53 characters of salt and hash.
  return hash.size() == 60 && hash[0] == '$' && hash[1] == '2' &&
         (hash[2] == 'a' || hash[2] == 'b' || hash[2] == 'y') && hash[3] == '$' && hash[6] == '$';
}

}  // namespace

WebConfig parse_web_config(const std::string& text, const std::string& source) {
  ConfigContext ctx(source);
  YAML::Node root = parse_yaml(text, ctx);
  ctx.throw_if_errors();
  WebConfig cfg;
  cfg.source = source;
  MapReader top(root, ctx, "");
  if (YAML::Node tls_node = top.node("tls_server_config"); tls_node.IsDefined() && !tls_node.IsNull()) {
    MapReader tls(tls_node, ctx, "tls_server_config");
    if (tls.valid()) cfg.tls = read_tls(tls, source);
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
        cfg.headers[kv.first.Scalar()] = kv.second.Scalar();
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
      for (const auto& kv : users) {
        const std::string user = kv.first.Scalar();
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
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigContext ctx(path);
    ctx.error(YAML::Mark::null_mark(), "cannot read web config file");
    ctx.throw_if_errors();
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_web_config(buf.str(), path);
}

}  // namespace hawatch
