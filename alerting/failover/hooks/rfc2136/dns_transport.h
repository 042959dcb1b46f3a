#pragma once
// One DNS exchange with one server: the request over UDP, again over TCP when the UDP answer is
// truncated (TC), everything bounded by one deadline (connect, send, every read). Only an answer
// from the server's address with the request's ID and the QR bit counts; anything else arriving
// on the UDP socket is dropped, so a stray or spoofed datagram cannot end the wait.
//
// Hand-written over POSIX sockets rather than ldns' resolver because the resolver signs with its
// own TSIG code (which lacks two of the algorithms, see tsig.h) and its timeouts apply per call
// instead of to the exchange as a whole.

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hawatch::alerting::failover {

struct DnsServer {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string text;  // "127.0.0.1:53", "[::1]:53"
};

// "IP", "IP:PORT" or "[IPv6]:PORT" (port 53 when absent). An address, not a name: resolving the
// DNS server's name would itself depend on DNS, and getaddrinfo has no timeout.
std::optional<DnsServer> parse_dns_server(const std::string& text, std::string& error);

struct DnsExchange {
  enum class Status { answered, no_answer, network } status = Status::network;
  std::vector<std::uint8_t> response;
  bool over_tcp = false;
  std::string detail;  // why there is no answer
};

DnsExchange dns_exchange(const DnsServer& server, const std::vector<std::uint8_t>& request,
                         std::chrono::steady_clock::time_point deadline);

}  // namespace hawatch::alerting::failover
