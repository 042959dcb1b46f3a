#pragma once
// A small blocking TCP client for line/frame protocols (apcupsd NIS, NUT upsd): one connection kept
// open between runs, every connect/read/write bounded by the run's deadline.
//
// Built on Poco::Net::StreamSocket, which hawatch already links for its HTTP server: it gives
// connect-with-timeout, per-call send/receive timeouts and IPv4/IPv6 address handling, which would
// otherwise be ~150 lines of non-blocking connect + poll. Host names are resolved by
// getaddrinfo(), which has no timeout of its own; the scheduler still stops waiting at the run's
// timeout, and loopback/IP addresses (the usual UPS daemon setup) never touch DNS.

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hawatch {

struct HostPort {
  std::string host;  // without [] for IPv6
  std::uint16_t port = 0;
  std::string to_string() const;
};

// "host:port", "[v6addr]:port", or a bare host (takes default_port). nullopt with `why` set when
// malformed (empty host, port outside 1–65535, unbalanced brackets, bare IPv6 without []).
std::optional<HostPort> parse_host_port(std::string_view text, std::uint16_t default_port,
                                        std::string& why);

// A failed exchange. reason() is short and stable (a metric label value); what() has the detail.
class TcpError : public std::runtime_error {
 public:
  TcpError(std::string reason, const std::string& detail)
      : std::runtime_error(detail), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

class TcpClient {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  explicit TcpClient(HostPort address) : address_(std::move(address)) {}

  const HostPort& address() const { return address_; }
  bool connected() const { return connected_; }
  // Connects unless already connected. Throws TcpError.
  void ensure_connected(Deadline deadline);
  void send(std::string_view data, Deadline deadline);
  // Appends whatever arrives next to buffer(); throws TcpError on timeout, error or peer close.
  void receive_more(Deadline deadline);
  // Next '\n'-terminated line from the stream (without "\n"); throws TcpError past max_length.
  std::string read_line(Deadline deadline, std::size_t max_length);
  // Unconsumed received bytes; callers erase what they have parsed.
  std::string& buffer() { return buffer_; }
  void close();

 private:
  Poco::Timespan time_left(Deadline deadline, const char* doing) const;
  [[noreturn]] void fail(const char* doing, const std::exception& e);

  HostPort address_;
  Poco::Net::StreamSocket socket_;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace hawatch
