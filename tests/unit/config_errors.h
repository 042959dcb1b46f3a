#pragma once
// Test helper: the units a whole config file yields, and every diagnostic of a config that must
// be rejected — as the daemon builds them (parse_config + build_collectors), so FILE:LINE:COL
// positions are the ones an admin sees.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "core/collector_set.h"
#include "core/config.h"

namespace hawatch::test {

// The scheduled units whose name starts with `prefix` (other collectors may be on by default).
inline std::vector<ScheduledCollector> build_units(const std::string& yaml,
                                                   const std::string& prefix,
                                                   const Environment& env = {}) {
  auto units = build_collectors(parse_config(yaml, "test.yml"), env);
  std::erase_if(units, [&](const ScheduledCollector& u) { return !u.name.starts_with(prefix); });
  return units;
}

// All diagnostics of a config that must be rejected, one "test.yml:LINE:COL: message" per line.
inline std::string config_errors(const std::string& yaml) {
  try {
    build_collectors(parse_config(yaml, "test.yml"), Environment{});
  } catch (const ConfigError& e) {
    std::string out;
    for (const auto& d : e.diagnostics()) out += d.to_string() + "\n";
    return out;
  }
  BOOST_FAIL("config was accepted:\n" << yaml);
  return {};
}

}  // namespace hawatch::test
