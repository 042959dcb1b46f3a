#pragma once
// Target addresses for the tcp, icmp and dns probes: "HOST:PORT" parsing (pure) and name
// resolution that respects a deadline.

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::net {

struct HostPort {
  std::string host;  // without brackets
  int port = 0;
};

// Accepts "host:port", "1.2.3.4:port", "[::1]:port", and — when default_port > 0 — a bare host or
// IPv6 address. Returns nullopt with `error` set otherwise.
std::optional<HostPort> parse_host_port(std::string_view text, int default_port, std::string* error);

// "host:port" with brackets around IPv6 literals, for URLs and messages.
std::string format_host_port(const HostPort& hp);

struct ResolvedAddress {
  sockaddr_storage addr{};
  socklen_t length = 0;
  int family = AF_UNSPEC;
  std::string text;  // numeric form
};

// A failed resolution; `timed_out` tells a slow resolver from a name that does not exist.
class ResolveError : public std::runtime_error {
 public:
  ResolveError(const std::string& what, bool timed_out)
      : std::runtime_error(what), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

// Resolves `host` (a literal or a name) to its first address of `family` (AF_UNSPEC: any),
// giving up at `deadline`. getaddrinfo() has no timeout, so names are resolved on a helper
// thread that is abandoned (and cleans up after itself) when the deadline passes.
// Throws ResolveError with a message naming the host on failure.
ResolvedAddress resolve_host(const std::string& host, int family,
                             std::chrono::steady_clock::time_point deadline);

// Whether `host` is an IP literal (no resolution needed).
bool is_ip_literal(const std::string& host);

}  // namespace hawatch::net
