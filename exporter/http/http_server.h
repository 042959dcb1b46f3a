#pragma once
// The HTTP(S) endpoint: /metrics from the current snapshot, /, /-/healthy, /-/ready.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/snapshot.h"
#include "head_gate.h"
#include "web_config.h"

namespace Poco::Net {
class HTTPServer;
}

namespace hawatch {

// An answer of an extra endpoint (the alerting and failover APIs).
struct HttpReply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::map<std::string, std::string> headers;  // extra response headers
};

// A request as an extra endpoint sees it: already authenticated, its body read in full (at most
// the route's max_body_bytes; a longer one is answered 413 before the handler runs).
struct HttpRequest {
  std::string method;  // GET, HEAD, POST, PUT, DELETE
  std::string path;    // without the query string, not percent-decoded
  std::string query;   // after '?', not decoded
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased; repeated ones joined by ", "
  std::string client;                          // peer address, for logs
  // The header's value, or "" when absent. `name` lower-case.
  const std::string& header(const std::string& name) const;
};

// An extra endpoint: `path` exact, or with `prefix` every path that starts with it (the handler
// reads the rest, e.g. a silence ID). HEAD is served by GET routes.
struct HttpRoute {
  std::vector<std::string> methods{"GET"};
  std::string path;
  bool prefix = false;
  std::size_t max_body_bytes = 1 << 20;
  std::function<HttpReply(const HttpRequest&)> handler;
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
  // Connections wait for their request head without a thread (head_gate.h): these bound the
  // head's size and time and the number of such connections.
  HeadLimits head_limits;
  // A route's request body must have arrived within this (else 408).
  std::chrono::milliseconds body_deadline{10'000};
  // Extra endpoints (the alerting and failover APIs), behind the same authentication. The first
  // route whose path matches answers; a path that matches with another method gets 405.
  std::vector<HttpRoute> routes;
  // How often the status page's sparklines sample the served values (the last hour is kept);
  // zero: no sparklines.
  std::chrono::seconds history_interval{30};
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
