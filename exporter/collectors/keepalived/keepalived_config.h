#pragma once
// The keepalived collector's options (collectors.keepalived), checked with FILE:LINE:COL errors.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"
#include "keepalived_parsers.h"

namespace hawatch::keepalived {

enum class Source { automatic, dbus, fifo };

struct Options {
  Source source = Source::automatic;
  std::string service = "org.keepalived.Vrrp1";  // keepalived's default dbus_service_name
  std::filesystem::path fifo;                    // seen through --path.rootfs; empty: none
  std::vector<VipSpec> vips;
};

// Reads and checks the section; reports every problem into args.ctx and returns nullopt then.
std::optional<Options> read_options(const CollectorArgs& args);

}  // namespace hawatch::keepalived
