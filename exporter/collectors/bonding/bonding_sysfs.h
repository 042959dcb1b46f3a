#pragma once
// The bonding driver's sysfs view: /sys/class/net/bonding_masters, <bond>/bonding/* and the
// per-slave bonding_slave/* directories, in both layouts (`lower_<slave>` since Linux 3.x
// links to the slave device; older kernels had `slave_<slave>`). Value parsers are pure; the
// reader does the I/O and reports unreadable parts as problems, keeping what it could read.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/environment.h"

namespace hawatch::bonding {

struct SysfsSlave {
  std::string name;
  std::optional<bool> mii_up;         // bonding_slave/mii_status
  std::optional<std::string> state;   // bonding_slave/state: "active" or "backup"
  std::optional<std::uint64_t> link_failures;
  std::optional<std::int64_t> aggregator_id;  // 802.3ad: bonding_slave/ad_aggregator_id
};

struct SysfsBond {
  std::string name;
  std::optional<std::string> mode;          // "active-backup", "802.3ad", ...
  std::optional<std::string> active_slave;  // "" when none
  std::optional<bool> mii_up;
  std::optional<std::int64_t> miimon_ms;
  std::optional<std::int64_t> ad_aggregator_id;  // 802.3ad: bonding/ad_aggregator
  std::optional<std::int64_t> ad_num_ports;      // 802.3ad: bonding/ad_num_ports
  std::vector<std::string> slave_names;          // bonding/slaves, in the kernel's order
  std::vector<SysfsSlave> slaves;                // those whose directory could be read
};

// Whitespace-separated interface names (bonding_masters, bonding/slaves).
std::vector<std::string> parse_name_list(std::string_view text);
// "active-backup 1" -> "active-backup". Throws ParseError on empty text.
std::string parse_mode(std::string_view text, std::string_view source);
// "up" -> true; "down", "going down", "going back", "unknown" -> false. Throws ParseError.
bool parse_link_status(std::string_view text, std::string_view source);

// Reads every bond listed in bonding_masters. Problems (missing or garbled files) are appended
// to `problems` with the path; a bond's other parts are still returned.
std::vector<SysfsBond> read_sysfs_bonds(const Environment& env, std::vector<std::string>& problems);

}  // namespace hawatch::bonding
