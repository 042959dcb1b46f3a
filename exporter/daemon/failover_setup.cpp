#include "failover_setup.h"

#include "core/log.h"
#include "hooks/update_reader.h"

namespace hawatch {

namespace fo = alerting::failover;

namespace {

// The probes section as the config reader kept it: the collector's options once its module is
// loaded, or the section of a probes collector the file disables (a group may still name them).
YAML::Node probes_section(const Config& config) {
  if (auto it = config.collectors.find("probes"); it != config.collectors.end())
    return it->second.options;
  if (auto it = config.unloaded_sections.find("probes"); it != config.unloaded_sections.end())
    return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

}  // namespace

std::vector<fo::GroupConfig> plan_failover(const Config& config) {
  if (!config.failover.IsDefined() || config.failover.IsNull()) return {};
  ConfigContext ctx(config.source);
  auto groups = fo::read_failover_config(
      config.failover, ctx, fo::probe_names(probes_section(config)), fo::read_dns_updater);
  ctx.throw_if_errors();
  return groups;
}

alerting::ReceiverDeps receiver_deps(const std::vector<fo::GroupConfig>& groups,
                                     std::shared_ptr<fo::FailoverService> service) {
  alerting::ReceiverDeps deps;
  deps.failover = std::move(service);
  for (const auto& g : groups) deps.failover_groups.insert(g.name);
  return deps;
}

std::shared_ptr<fo::FailoverService> make_failover_service(
    const std::shared_ptr<SnapshotStore>& store, const Config& config,
    std::shared_ptr<alerting::ServiceSlot> alerting) {
  fo::ServiceOptions options;
  options.state_directory = config.state_directory;
  // The admin learns of every transition through the receivers, like of any alert.
  options.on_transition = [slot = std::move(alerting)](std::vector<alerting::Alert> alerts) {
    if (auto service = slot->get())
      service->insert(alerts, "failover");
    else
      log::warn("failover transition not sent: no alerting.route configured");
  };
  auto service = std::make_shared<fo::FailoverService>(store, std::move(options));
  // Outcomes are handed on as they are published, so a 1 s probe's failure reaches its group
  // within milliseconds. The listener must not keep the service alive past the daemon.
  store->set_publish_listener([weak = std::weak_ptr(service)](const CollectorOutcome& o) {
    if (auto s = weak.lock()) s->observe(o);
  });
  return service;
}

}  // namespace hawatch
