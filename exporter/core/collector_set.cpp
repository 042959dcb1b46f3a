#include "collector_set.h"

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
    std::unique_ptr<Collector> collector;
    try {
      collector = d->create(args);
    } catch (const std::exception& e) {
      ctx.error(cc.options, "collectors." + name + ": " + e.what());
    }
    if (!collector) continue;
    out.push_back(ScheduledCollector{name, std::shared_ptr<Collector>(std::move(collector)),
                                     cc.interval, cc.timeout, cc.staleness});
  }
  ctx.throw_if_errors();
  return out;
}

}  // namespace hawatch
