#pragma once
// The addresses configured on this host's interfaces (in hawatch's network namespace), read over
// rtnetlink with libmnl. Netlink rather than getifaddrs(3): it gives the interface index (an IPv4
// address's label, e.g. "eth0:vip", is not an interface name) and the address flags, so an IPv6
// VIP whose duplicate address detection failed (another node holds it) is not counted as ours.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hawatch {

struct LocalAddress {
  int family = 0;                        // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};  // network order; IPv4 uses the first 4
  std::string interface;
  bool usable = true;  // false while IPv6 duplicate address detection is pending or failed
};

// One RTM_GETADDR dump of every family. Throws std::runtime_error (with the OS error) when the
// kernel cannot be asked or does not answer within `timeout`.
std::vector<LocalAddress> read_local_addresses(std::chrono::milliseconds timeout);

}  // namespace hawatch
