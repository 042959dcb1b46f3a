#pragma once
// exporter-toolkit compatible web configuration (web-config.yml): TLS, mutual TLS and basic auth.

#include <map>
#include <optional>
#include <string>

namespace hawatch {

enum class ClientAuth {
  none,                // NoClientCert
  request,             // RequestClientCert: asked for, not required, not verified
  require_any,         // RequireAnyClientCert: required, not verified
  verify_if_given,     // VerifyClientCertIfGiven
  require_and_verify,  // RequireAndVerifyClientCert
};

enum class TlsVersion { tls10, tls11, tls12, tls13 };

struct TlsServerConfig {
  std::string cert_file;
  std::string key_file;
  ClientAuth client_auth = ClientAuth::none;
  std::string client_ca_file;
  TlsVersion min_version = TlsVersion::tls12;
  std::optional<TlsVersion> max_version;
};

struct WebConfig {
  std::string source;
  std::optional<TlsServerConfig> tls;
  // Where tls_server_config is in `source` (1-based), for errors found after parsing: the tls
  // module not loading, the TLS material not loading.
  int tls_line = 0;
  int tls_column = 0;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  std::map<std::string, std::string> headers;           // extra response headers
};

// Parses and checks a web-config file: relative paths resolve against the file's directory,
// certificate/key/CA files must be readable, hashes must be bcrypt. Throws ConfigError.
WebConfig load_web_config(const std::string& path);
WebConfig parse_web_config(const std::string& text, const std::string& source);

}  // namespace hawatch
