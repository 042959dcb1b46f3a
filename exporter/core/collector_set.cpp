#include "collector_set.h"

#include <algorithm>

#include "log.h"

namespace hawatch {

std::vector<ScheduledCollector> build_collectors(const Config& config, const Environment& env,
                                                 const CollectorOverrides& overrides) {
  ConfigContext ctx(config.source);
  std::vector<ScheduledCollector> out;
  for (const auto& [name, cc] : config.collectors) {
    const CollectorDescriptor* d = CollectorRegistry::find(name);
    if (!d) continue;
    Enablement enablement = cc.enablement;
    if (auto it = overrides.enabled.find(name); it != overrides.enabled.end())
      enablement = it->second ? Enablement::on : Enablement::off;
    if (enablement == Enablement::off) continue;
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
