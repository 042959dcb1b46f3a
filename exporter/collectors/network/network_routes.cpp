#include "network_routes.h"

#include <arpa/inet.h>
#include <linux/route.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "core/parse.h"

namespace hawatch::network {
namespace {

std::optional<std::uint32_t> hex32(std::string_view text) {
  std::uint32_t v = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v, 16);
  if (ec != std::errc() || ptr != end || text.empty() || text.size() > 8) return std::nullopt;
  return v;
}

[[noreturn]] void bad_line(std::string_view source, int number, const std::string& what) {
  throw ParseError(source, "line " + std::to_string(number) + ": " + what);
}

// The kernel prints each IPv4 address as the raw __be32 formatted with %08X, i.e. read as a host
// integer; storing that integer back into s_addr restores the network byte order on any host.
std::string ipv4_text(std::uint32_t raw) {
  in_addr a{};
  a.s_addr = raw;
  char buf[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

// 32 hex digits, network byte order.
std::optional<std::string> ipv6_text(std::string_view hex) {
  if (hex.size() != 32) return std::nullopt;
  in6_addr a{};
  for (std::size_t i = 0; i < 16; ++i) {
    const auto byte = hex32(hex.substr(i * 2, 2));
    if (!byte) return std::nullopt;
    a.s6_addr[i] = static_cast<unsigned char>(*byte);
  }
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET6, &a, buf, sizeof buf);
  return std::string(buf);
}

// Calls `row(fields, number, line)` for each non-blank line and keeps the routes it returns.
template <typename Row>
std::vector<Route> parse_rows(std::string_view text, Row&& row) {
  std::vector<Route> routes;
  int number = 0;
  for_each_line(text, [&](std::string_view line) {
    ++number;
    const auto fields = split_fields(line);
    if (fields.empty()) return;
    if (auto route = row(fields, number, line)) routes.push_back(std::move(*route));
  });
  return routes;
}

std::string cut(std::string_view line) { return std::string(trim(line).substr(0, 200)); }

}  // namespace

// Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT, after a header line.
std::vector<Route> parse_ipv4_routes(std::string_view text, std::string_view source) {
  if (text.empty()) throw ParseError(source, "empty (no header line)");
  using Fields = std::vector<std::string_view>;
  return parse_rows(text, [&](const Fields& f, int number, std::string_view line) -> std::optional<Route> {
    if (number == 1) {
      if (f[0] != "Iface") bad_line(source, number, "not a /proc/net/route header");
      return std::nullopt;
    }
    if (f.size() < 8) bad_line(source, number, "expected 11 fields, got " + std::to_string(f.size()));
    const auto dest = hex32(f[1]), gw = hex32(f[2]), flags = hex32(f[3]), mask = hex32(f[7]);
    const auto metric = to_uint64(f[6]);
    if (!dest || !gw || !flags || !mask || !metric || *metric > UINT32_MAX)
      bad_line(source, number, "bad route \"" + cut(line) + "\"");
    // A netmask's set bits, counted from its network-order form.
    return Route{std::string(f[0]), ipv4_text(*dest), __builtin_popcount(*mask),
                 (*flags & RTF_GATEWAY) ? ipv4_text(*gw) : "", static_cast<std::uint32_t>(*metric), *flags};
  });
}

// dest dest_plen src src_plen nexthop metric refcnt use flags device, all hex but the device.
std::vector<Route> parse_ipv6_routes(std::string_view text, std::string_view source) {
  using Fields = std::vector<std::string_view>;
  return parse_rows(text, [&](const Fields& f, int number, std::string_view line) -> std::optional<Route> {
    if (f.size() != 10) bad_line(source, number, "expected 10 fields, got " + std::to_string(f.size()));
    const auto dest = ipv6_text(f[0]), gw = ipv6_text(f[4]);
    const auto plen = hex32(f[1]), metric = hex32(f[5]), flags = hex32(f[8]);
    if (!dest || !gw || !plen || *plen > 128 || !metric || !flags)
      bad_line(source, number, "bad route \"" + cut(line) + "\"");
    return Route{std::string(f[9]), *dest, static_cast<int>(*plen), (*flags & RTF_GATEWAY) ? *gw : "",
                 *metric, *flags};
  });
}

bool is_default_route(const Route& route) {
  return route.prefix_length == 0 && (route.flags & RTF_UP) && !(route.flags & RTF_REJECT) &&
         route.interface != "lo";
}

}  // namespace hawatch::network
