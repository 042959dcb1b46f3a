#include "collector_modules.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "collector.h"
#include "collector_sources.h"
#include "module_loader.h"

namespace hawatch {
namespace {

bool systemd_source(const Environment&) { return sources::system_bus_exists(); }

// Collectors that link large libraries (sd-bus, libpq, libmariadb, libcurl, SQLite, ...). node,
// network and bonding read /proc and /sys only and are built in. apcupsd and nut share one module:
// they share their TCP client and UPS families, and neither is on unless configured.
constexpr std::array kModuleCollectors{
    ModuleCollector{"apcupsd", "ups"},
    ModuleCollector{"backups", "backups"},
    ModuleCollector{"keepalived", "keepalived", &sources::keepalived_configured},
    ModuleCollector{"litestream", "litestream"},
    ModuleCollector{"mysql", "mysql"},
    ModuleCollector{"nut", "ups"},
    ModuleCollector{"postgres", "postgres"},
    ModuleCollector{"probes", "probes"},
    ModuleCollector{"systemd", "systemd", &systemd_source},
};

}  // namespace

std::span<const ModuleCollector> module_collectors() { return kModuleCollectors; }

const ModuleCollector* find_module_collector(std::string_view collector) {
  for (const auto& mc : kModuleCollectors)
    if (mc.collector == collector) return &mc;
  return nullptr;
}

std::vector<std::string> known_collector_names() {
  std::vector<std::string> names;
  for (const auto* d : CollectorRegistry::all()) names.push_back(d->name);
  for (const auto& mc : kModuleCollectors) names.emplace_back(mc.collector);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void load_collector_module(const ModuleCollector& mc) {
  if (CollectorRegistry::find(mc.collector)) return;
  load_module(mc.module);
  // A module from another build could load cleanly and still not provide what this one expects.
  if (!CollectorRegistry::find(mc.collector))
    throw std::runtime_error("module " + std::string(mc.module) + ".so in " +
                             module_directory().string() + " does not provide collector \"" +
                             std::string(mc.collector) + "\"");
}

}  // namespace hawatch
