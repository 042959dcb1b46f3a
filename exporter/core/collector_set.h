#pragma once
// Turns a Config into the collectors to schedule, asking each enabled collector's factory to
// validate its options (so --check-config catches option errors too).

#include <vector>

#include "config.h"
#include "scheduler.h"

namespace hawatch {

// Flags such as --collector.systemd / --no-collector.systemd override the config file.
struct CollectorOverrides {
  std::map<std::string, bool> enabled;
};

// Throws ConfigError (with positions) when any collector rejects its options.
std::vector<ScheduledCollector> build_collectors(const Config& config, const Environment& env,
                                                 const CollectorOverrides& overrides = {});

}  // namespace hawatch
