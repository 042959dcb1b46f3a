#pragma once
// Interface state from /sys/class/net/<interface>/{operstate,carrier}: the value parser is pure,
// the reader walks the directory.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/environment.h"

namespace hawatch::network {

struct Link {
  std::string name;
  std::string operstate;       // RFC 2863 word: up, down, lowerlayerdown, dormant, unknown, ...
  std::optional<bool> carrier; // absent when the kernel refuses to say (interface admin-down)
};

// Up means operstate "up", or "unknown" with carrier: drivers that do not track an operational
// state (tun, some Wi-Fi and USB NICs) report "unknown" while they pass traffic.
bool link_is_up(const Link& link);

// Every interface under class/net (bonding_masters and other files skipped), sorted by name.
// Unreadable operstate files are returned in `problems`.
std::vector<Link> read_links(const Environment& env, std::vector<std::string>& problems);

}  // namespace hawatch::network
