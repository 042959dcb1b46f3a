#pragma once
// Pure parsers for the kernel's route tables as text: /proc/net/route (IPv4, main table) and
// /proc/net/ipv6_route (IPv6, every table). Text in, routes out; ParseError names the source
// and the line.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::network {

struct Route {
  std::string interface;
  std::string destination;  // numeric address ("0.0.0.0", "::")
  int prefix_length = 0;
  std::string gateway;      // numeric address; "" when the route has no gateway (on-link)
  std::uint32_t metric = 0;
  std::uint32_t flags = 0;  // RTF_* from <linux/route.h>
};

std::vector<Route> parse_ipv4_routes(std::string_view text, std::string_view source);
std::vector<Route> parse_ipv6_routes(std::string_view text, std::string_view source);

// A usable default route: prefix 0, up, not reject/unreachable, not on the loopback device
// (IPv6 lists the kernel's "unreachable default" on lo in every table).
bool is_default_route(const Route& route);

}  // namespace hawatch::network
