#include "tls_socket.h"

#include <atomic>
#include <stdexcept>

#include "core/config_reader.h"
#include "core/module_loader.h"

namespace hawatch {
namespace {

// Written by a static initialiser (at dlopen time, under the dynamic loader's lock, or before
// main in a binary that links the module's code), read when the server starts.
std::atomic<TlsSocketFactory>& factory_slot() {
  static std::atomic<TlsSocketFactory> slot{nullptr};
  return slot;
}

constexpr const char* kTlsModule = "tls";

[[noreturn]] void throw_at_tls_section(const WebConfig& web, const std::string& why) {
  throw ConfigError(
      {ConfigDiagnostic{web.source, web.tls_line, web.tls_column, "tls_server_config: " + why}});
}

}  // namespace

bool register_tls_socket_factory(TlsSocketFactory factory) {
  factory_slot().store(factory);
  return true;
}

void require_tls_support(const WebConfig& web) {
  if (!web.tls || factory_slot().load()) return;
  try {
    load_module(kTlsModule);
  } catch (const std::exception& e) {
    throw_at_tls_section(web, e.what());  // "cannot load module <dir>/tls.so: <dlerror>"
  }
  if (!factory_slot().load())
    throw_at_tls_section(
        web, "module " + (module_directory() / (std::string(kTlsModule) + ".so")).string() +
                 " registered no TLS support");
}

void check_tls_setup(const WebConfig& web) {
  require_tls_support(web);
  if (!web.tls) return;
  try {
    make_tls_server_socket(*web.tls);
  } catch (const std::exception& e) {
    throw_at_tls_section(web, e.what());
  }
}

Poco::Net::ServerSocket make_tls_server_socket(const TlsServerConfig& tls) {
  const TlsSocketFactory factory = factory_slot().load();
  if (!factory) throw std::runtime_error("TLS is configured but the tls module is not loaded");
  return factory(tls);
}

}  // namespace hawatch
