#pragma once
// What the status page says about each subsystem (services, replication, power, ...): green,
// amber or red with the reason and the age of the data, judged from the same exposition a scrape
// serves and from the collectors' outcomes. Pure functions, so the page and its tests agree.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/prom_text.h"
#include "core/snapshot.h"

namespace hawatch {

enum class Health { ok, warn, bad };

const char* to_string(Health h);  // "ok", "warn", "bad" (the page's CSS classes)

struct SubsystemState {
  std::string id;     // "power": stable, for the DOM and tests
  std::string title;  // "Power (UPS)"
  Health health = Health::ok;
  std::vector<std::string> reasons;  // the first few, worst first; empty when ok
  std::size_t more_reasons = 0;      // reasons beyond those
  std::vector<std::string> collectors;
  // The oldest of its collectors' last successful runs: how old what the row says may be.
  std::optional<std::chrono::system_clock::time_point> data_from;
};

// The subsystems that have at least one enabled collector, in a fixed order.
std::vector<SubsystemState> assess_subsystems(const std::vector<CollectorStatus>& collectors,
                                              const plugins::PromText& exposition);

// "primary (VRRP master of VI_1)", "backup (VRRP)", "failed over (amslpr)" or "standalone".
std::string node_role(const plugins::PromText& exposition);

}  // namespace hawatch
