#include "failover_part.h"

#include "hooks/update_reader.h"

namespace hawatch::alerting {

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

// Between a plan and its runtime: "busy", which the receiver's spool retries.
failover::ActionReply no_service() {
  return {503, "failover is not running", "", "busy"};
}

}  // namespace

std::vector<failover::GroupConfig> read_failover_groups(const Config& config, ConfigContext& ctx) {
  if (!config.failover.IsDefined() || config.failover.IsNull()) return {};
  return failover::read_failover_config(config.failover, ctx,
                                        failover::probe_names(probes_section(config)),
                                        failover::read_dns_updater);
}

void FailoverActionsSlot::set(std::shared_ptr<failover::FailoverActions> target) {
  std::lock_guard lock(mutex_);
  target_ = std::move(target);
}

std::shared_ptr<failover::FailoverActions> FailoverActionsSlot::target() const {
  std::lock_guard lock(mutex_);
  return target_;
}

failover::ActionReply FailoverActionsSlot::fail_over(const std::string& group,
                                                     const std::string& reason) {
  auto t = target();
  return t ? t->fail_over(group, reason) : no_service();
}

failover::ActionReply FailoverActionsSlot::fail_back(const std::string& group,
                                                     const std::string& reason) {
  auto t = target();
  return t ? t->fail_back(group, reason) : no_service();
}

const std::shared_ptr<FailoverActionsSlot>& failover_actions_slot() {
  static const auto slot = std::make_shared<FailoverActionsSlot>();
  return slot;
}

ReceiverDeps receiver_deps(const std::vector<failover::GroupConfig>& groups) {
  ReceiverDeps deps;
  deps.failover = failover_actions_slot();
  for (const auto& g : groups) deps.failover_groups.insert(g.name);
  return deps;
}

std::shared_ptr<failover::FailoverService> start_failover_service(
    const std::shared_ptr<SnapshotStore>& store, const std::string& state_directory,
    std::function<void(std::vector<Alert>)> on_transition) {
  failover::ServiceOptions options;
  options.state_directory = state_directory;
  options.on_transition = std::move(on_transition);
  auto service = std::make_shared<failover::FailoverService>(store, std::move(options));
  // The listener must not keep the service alive past the runtime.
  store->set_publish_listener([weak = std::weak_ptr(service)](const CollectorOutcome& o) {
    if (auto s = weak.lock()) s->observe(o);
  });
  failover_actions_slot()->set(service);
  return service;
}

}  // namespace hawatch::alerting
