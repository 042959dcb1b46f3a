#pragma once
// The HTTP(S) endpoint: /metrics from the current snapshot, /, /-/healthy, /-/ready.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/snapshot.h"
#include "web_config.h"

namespace Poco::Net {
class HTTPServer;
}

namespace hawatch {

// An answer of an extra endpoint (the alert API).
struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct HttpServerOptions {
  std::string listen_address = ":9847";
  std::string telemetry_path = "/metrics";
  std::optional<WebConfig> web;
  std::string node_name;
  // Connection threads (one per open connection, started on demand; idle keep-alive connections
  // are closed after 5 s) and connections waiting for one; beyond that, new ones are refused.
  int max_threads = 64;
  int max_queued = 64;
  // Extra GET endpoints by exact path (e.g. /api/v2/alerts), behind the same authentication.
  std::map<std::string, std::function<HttpReply()>> get_routes;
  // Further sections of the status page (escaped HTML).
  std::function<std::string()> status_sections;
};

class HttpServer {
 public:
  // `healthy` answers /-/healthy (the scheduler is alive). Throws std::runtime_error when the
  // address cannot be bound or TLS material cannot be loaded. With TLS configured, call
  // require_tls_support (tls_socket.h) first: TLS comes from the tls module.
  HttpServer(HttpServerOptions options, std::shared_ptr<SnapshotStore> store,
             std::function<bool()> healthy);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  void stop();
  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "HOST:PORT", "[v6]:PORT" or ":PORT" (all interfaces). Throws std::invalid_argument.
struct ListenAddress {
  std::string host;  // empty = all interfaces
  std::uint16_t port = 0;
};
ListenAddress parse_listen_address(const std::string& text);

}  // namespace hawatch
