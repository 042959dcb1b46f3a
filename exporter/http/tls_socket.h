#pragma once
// The HTTPS listening socket comes from the `tls` module (exporter/http/tls/), loaded only when the
// web config has a tls_server_config: a daemon serving plain HTTP then never maps OpenSSL and Poco
// NetSSL/Crypto/Util, which cost a Raspberry Pi resident pages whether or not TLS ever runs.
//
// The module registers its factory from a static initialiser into this registry, which lives in
// the executable (core/module_loader.h):
//   HAWATCH_REGISTER_TLS_SOCKET_FACTORY(make_secure_server_socket);
// A binary that links the module's code directly (the unit tests) has the factory from the start
// and never loads the module.

#include <Poco/Net/ServerSocket.h>

#include "web_config.h"

namespace hawatch {

// Makes an unbound server socket that speaks TLS as `tls` says. Throws std::runtime_error when the
// certificate, key or CA cannot be loaded.
using TlsSocketFactory = Poco::Net::ServerSocket (*)(const TlsServerConfig& tls);

// Called once by the tls module; returns true so that it can initialise a static.
bool register_tls_socket_factory(TlsSocketFactory factory);

// When `web` configures TLS, makes sure a factory is registered, loading the tls module if needed.
// Throws ConfigError at tls_server_config in the web config file, naming the module file and the
// dynamic loader's reason.
void require_tls_support(const WebConfig& web);

// --check-config: require_tls_support, then loads the certificate, key and CA as the server
// would at start-up; a failure is a ConfigError at tls_server_config.
void check_tls_setup(const WebConfig& web);

// Throws std::runtime_error when no factory is registered (require_tls_support was not called) or
// when the factory fails.
Poco::Net::ServerSocket make_tls_server_socket(const TlsServerConfig& tls);

}  // namespace hawatch

#define HAWATCH_REGISTER_TLS_SOCKET_FACTORY(factory)           \
  namespace {                                                  \
  [[maybe_unused]] const bool hawatch_registered_tls_factory = \
      ::hawatch::register_tls_socket_factory(factory);         \
  }
