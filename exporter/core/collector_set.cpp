#include "collector_set.h"

#include <algorithm>

#include "collector_modules.h"
#include "log.h"

namespace hawatch {
namespace {

Enablement effective_enablement(const std::string& name, Enablement configured,
                                const CollectorOverrides& overrides) {
  if (auto it = overrides.enabled.find(name); it != overrides.enabled.end())
    return it->second ? Enablement::on : Enablement::off;
  return configured;
}

// Module collectors the config file did not load (collector_modules.h): those a --collector.NAME
// flag turns on, and those enabled automatically whose source exists on this host. Their module
// is loaded here, and only here, so a host without the source never maps the module's libraries.
void add_module_collectors(const Config& config, const Environment& env,
                           const CollectorOverrides& overrides, ConfigContext& ctx,
                           std::map<std::string, CollectorConfig>& configs) {
  for (const auto& mc : module_collectors()) {
    const std::string name(mc.collector);
    if (configs.contains(name)) continue;
    // Absent from the file, or there with `enabled: false` (kept for a --collector.NAME flag).
    const auto unloaded = config.unloaded_sections.find(name);
    const bool disabled = unloaded != config.unloaded_sections.end();
    const Enablement configured =
        disabled || !mc.source_exists ? Enablement::off : Enablement::automatic;
    const Enablement wanted = effective_enablement(name, configured, overrides);
    if (wanted == Enablement::off) continue;
    if (wanted == Enablement::automatic && !mc.source_exists(env)) continue;
    const YAML::Node section = disabled ? unloaded->second : YAML::Node(YAML::NodeType::Undefined);
    try {
      load_collector_module(mc);
    } catch (const std::exception& e) {
      const std::string why =
          wanted == Enablement::on
              ? " (turned on by --collector." + name + ")"
              : " (on automatically: its source exists on this host; --no-collector." + name +
                    " turns it off)";
      ctx.error(section.IsDefined() ? section.Mark() : YAML::Mark::null_mark(),
                "collectors." + name + why + ": " + e.what());
      continue;
    }
    configs.emplace(name, read_collector_config(*CollectorRegistry::find(name), section, ctx));
  }
}

}  // namespace

std::vector<ScheduledCollector> build_collectors(const Config& config, const Environment& env,
                                                 const CollectorOverrides& overrides) {
  ConfigContext ctx(config.source);
  std::map<std::string, CollectorConfig> configs = config.collectors;
  add_module_collectors(config, env, overrides, ctx, configs);
  std::vector<ScheduledCollector> out;
  for (const auto& [name, cc] : configs) {
    const CollectorDescriptor* d = CollectorRegistry::find(name);
    if (!d) continue;
    const Enablement enablement = effective_enablement(name, cc.enablement, overrides);
    if (enablement == Enablement::off) continue;
    // Once loaded, the collector's own check is the authority.
    if (enablement == Enablement::automatic && !d->source_exists(env)) {
      log::debug("collector source absent, not enabled", {{"collector", name}});
      continue;
    }
    CollectorArgs args{cc.options, ctx, env, "collectors." + name};
    std::vector<CollectorUnit> units;
    try {
      if (d->create_units) {
        units = d->create_units(args);
      } else if (d->create) {
        units.push_back(CollectorUnit{name, d->create(args), std::nullopt, std::nullopt});
      }
    } catch (const std::exception& e) {
      ctx.error(cc.options, "collectors." + name + ": " + e.what());
    }
    for (auto& unit : units) {
      if (!unit.collector) continue;
      const Duration interval = unit.interval.value_or(cc.interval);
      const Duration timeout = std::min(unit.timeout.value_or(cc.timeout), interval);
      // A unit with its own interval gets the default staleness rule for that interval.
      const Duration staleness = unit.interval ? 2 * interval + timeout : cc.staleness;
      out.push_back(ScheduledCollector{unit.name, std::shared_ptr<Collector>(std::move(unit.collector)),
                                       interval, timeout, staleness});
    }
  }
  ctx.throw_if_errors();
  return out;
}

}  // namespace hawatch
