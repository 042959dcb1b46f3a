// What keepalived (or whatever owns its bus name) answers over D-Bus: Introspect XML and the
// object paths found in it. The XML parser must reject anything that is not an introspection
// document with ParseError, fetch nothing, and stay bounded; object paths parse or are refused.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/keepalived/keepalived_parsers.h"
#include "core/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace hawatch::keepalived;
  try {
    const auto node = parse_introspection(text, "fuzz");
    for (const auto& child : node.children)
      if (child.empty()) __builtin_trap();
    for (const auto& interface : node.interfaces)
      if (interface.empty()) __builtin_trap();
  } catch (const hawatch::ParseError&) {
  }
  hawatch::for_each_line(text, [](std::string_view line) {
    if (const auto where = parse_instance_path(line)) {
      if (where->vrid < 1 || where->vrid > 255) __builtin_trap();
      if (where->family != "IPv4" && where->family != "IPv6") __builtin_trap();
      if (where->interface.empty() || where->interface.find('/') != std::string::npos)
        __builtin_trap();
    }
    if (const auto vip = parse_vip_address(line)) {
      // The canonical spelling is a fixed point.
      const auto again = parse_vip_address(vip->address);
      if (!again || again->address != vip->address || again->bytes != vip->bytes) __builtin_trap();
    }
  });
  return 0;
}
