#pragma once
// ICMP echo over unprivileged ICMP datagram sockets (no root, no CAP_NET_RAW), shared by the
// icmp probe and the network collector's gateway checks. Hand-written: it is a socket, a header
// and a poll; Debian's liboping needs raw sockets, which hawatch deliberately runs without.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/environment.h"
#include "host_address.h"

namespace hawatch::net {

struct EchoResult {
  enum class Status { reply, timeout, unreachable, error };
  Status status = Status::timeout;
  std::string detail;  // why it failed, naming the target; empty on reply
  std::chrono::duration<double> elapsed{0};  // round trip, or until it gave up
};

// Sends one echo request to each target at once and waits for the replies until `deadline`, so
// that a silent target costs no time of the others. Status::error is a local problem with that
// target (an unexpected send or receive error). Throws std::runtime_error when ICMP sockets
// cannot be opened at all (net.ipv4.ping_group_range — the message says so, with the value read
// through `env` and the fix).
std::vector<EchoResult> icmp_echo_all(const std::vector<ResolvedAddress>& targets, std::uint16_t sequence,
                                      std::chrono::steady_clock::time_point deadline, const Environment& env);

// One target; a Status::error result is thrown as std::runtime_error.
EchoResult icmp_echo(const ResolvedAddress& target, std::uint16_t sequence,
                     std::chrono::steady_clock::time_point deadline, const Environment& env);

}  // namespace hawatch::net
