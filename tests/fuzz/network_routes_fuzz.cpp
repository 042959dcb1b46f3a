// The route-table parsers (/proc/net/route, /proc/net/ipv6_route) must reject any input with
// ParseError, never crash; every route they accept is well-formed.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/network/network_routes.h"
#include "core/parse.h"

namespace {

void check(const std::vector<hawatch::network::Route>& routes, int max_prefix) {
  for (const auto& r : routes)
    if (r.interface.empty() || r.destination.empty() || r.prefix_length < 0 || r.prefix_length > max_prefix)
      std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try { check(hawatch::network::parse_ipv4_routes(text, "fuzz"), 32); } catch (const hawatch::ParseError&) {}
  try { check(hawatch::network::parse_ipv6_routes(text, "fuzz"), 128); } catch (const hawatch::ParseError&) {}
  return 0;
}
