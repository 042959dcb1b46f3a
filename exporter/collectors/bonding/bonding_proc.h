#pragma once
// Pure parser for /proc/net/bonding/<bond> (drivers/net/bonding/bond_procfs.c): text in, struct
// out. Fields the kernel did not print (older kernels, other modes, a truncated read) stay empty;
// a field that is present but unreadable is a ParseError naming the source and the line.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::bonding {

struct ProcSlave {
  std::string name;
  std::optional<bool> mii_up;
  std::optional<double> speed_mbps;   // absent when the kernel printed "Unknown"
  std::optional<bool> full_duplex;    // absent when the kernel printed "Unknown"
  std::optional<std::uint64_t> link_failures;
  std::string permanent_hw_addr;
  std::optional<std::int64_t> aggregator_id;  // 802.3ad; absent for "N/A"
};

struct ProcAggregator {  // 802.3ad "Active Aggregator Info"
  std::optional<std::int64_t> id;
  std::optional<std::int64_t> ports;
  std::optional<std::int64_t> actor_key;
  std::optional<std::int64_t> partner_key;
  std::string partner_mac;
};

struct ProcBond {
  std::string mode;                  // e.g. "fault-tolerance (active-backup)"
  std::optional<std::string> active_slave;  // "Currently Active Slave"; "None" becomes ""
  std::optional<bool> mii_up;
  std::optional<std::int64_t> mii_polling_ms;
  std::optional<std::int64_t> up_delay_ms;
  std::optional<std::int64_t> down_delay_ms;
  std::optional<std::string> lacp_rate;   // 802.3ad
  std::optional<ProcAggregator> aggregator;  // 802.3ad with an active aggregator
  std::vector<ProcSlave> slaves;
};

// The sysfs/iproute2 short name of a /proc mode text ("fault-tolerance (active-backup)" ->
// "active-backup"); the text itself when it is not one the kernel prints.
std::string mode_short_name(std::string_view proc_mode);

// `source` names the file in error messages (e.g. "/proc/net/bonding/bond0").
ProcBond parse_proc_bonding(std::string_view text, std::string_view source);

}  // namespace hawatch::bonding
