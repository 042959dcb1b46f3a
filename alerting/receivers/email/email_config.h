#pragma once
// One `email_configs` entry, in Alertmanager's vocabulary (config/notifiers.go EmailConfig):
//   to, from, smarthost (HOST:PORT), hello, auth_username, auth_password_file, auth_identity,
//   require_tls, tls_config {ca_file, cert_file, key_file, server_name, insecure_skip_verify},
//   headers, html, text,
//   send_resolved (false by default, as Alertmanager's email)
// and hawatch's additions:
//   auth_password_env   the password from an environment variable instead of a file
//   auth_mechanism      auto (the first of PLAIN/LOGIN the server offers, as Alertmanager) | PLAIN
//                       | LOGIN
//   tls_mode            auto (implicit TLS on port 465, else STARTTLS when offered — required
//                       with require_tls, as Alertmanager decides) | implicit | starttls
//   timeout             bound on one whole delivery attempt (default 30s)
//   external_url        the template data's .ExternalURL
// A password never sits in the config itself: `auth_password` is refused.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "model/alert.h"
#include "receivers/email/mime.h"

namespace hawatch::alerting {

enum class SmtpTlsMode { automatic, implicit, starttls };
enum class SmtpAuthMechanism { automatic, plain, login };

struct EmailTlsConfig {
  std::string ca_file;    // PEM bundle; empty: the system's CAs
  std::string cert_file;  // client certificate (PEM), with key_file, for servers that ask
  std::string key_file;
  std::string server_name;  // name checked in the certificate (and SNI); empty: smarthost's host
  bool insecure_skip_verify = false;
};

struct EmailConfig {
  std::string to;                           // as written: the To header
  std::string from;                         // as written: the From header
  std::vector<mail::Mailbox> to_addresses;  // the envelope (RCPT TO), parsed from `to`
  mail::Mailbox from_address;               // MAIL FROM, parsed from `from`
  std::string smarthost_host;
  std::uint16_t smarthost_port = 25;
  std::string hello = "localhost";  // Alertmanager's default EHLO name
  std::string auth_username;        // empty: no authentication
  std::string auth_password_file;   // read at each attempt
  std::string auth_password_env;
  std::string auth_identity;  // PLAIN's authorization identity
  SmtpAuthMechanism auth_mechanism = SmtpAuthMechanism::automatic;
  bool require_tls = true;
  SmtpTlsMode tls_mode = SmtpTlsMode::automatic;
  EmailTlsConfig tls;
  std::map<std::string, std::string> headers;  // canonical name -> template text
  std::optional<std::string> html;             // nullopt: the default template; "": no part
  std::optional<std::string> text;
  bool send_resolved = false;
  Duration timeout = std::chrono::seconds(30);
  std::string external_url;

  // Implicit TLS (TLS from the first byte), as chosen by tls_mode and the port.
  bool implicit_tls() const {
    return tls_mode == SmtpTlsMode::implicit ||
           (tls_mode == SmtpTlsMode::automatic && smarthost_port == 465);
  }
};

// Reads one email_configs entry; `where` names it in messages ("receivers[0].email_configs[1]").
// Templates are parsed here so that a broken one is a config error with its position.
EmailConfig read_email_config(const YAML::Node& node, ConfigContext& ctx, const std::string& where);

}  // namespace hawatch::alerting
