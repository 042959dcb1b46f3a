// The alerting module (alerting.so): the daemon's AlertingRuntime (port/alerting_port.h) on top of
// the routing and notification service, its receivers and its HTTP API. Everything here may pull
// in large libraries (libcurl, OpenSSL, Poco JSON); the daemon maps them only when its config has
// an alerting section.

#include <mutex>

#include "core/config_reader.h"
#include "core/log.h"
#include "failover/api.h"
#include "failover_part.h"
#include "http/route_dispatch.h"
#include "port/alerting_port.h"
#include "service/alerting_service.h"
#include "service/build_receivers.h"
#include "service/http_api.h"

namespace hawatch::alerting {
namespace {

class Plan final : public AlertingPlan {
 public:
  bool routing = false;  // an alerting.route: run the service
  AlertingConfig config;
  std::vector<ReceiverConfig> receivers;
  std::vector<failover::GroupConfig> failover_groups;
};

std::unique_ptr<AlertingPlan> plan_alerting(const Config& config) {
  if (!wants_alerting(config)) return nullptr;
  ConfigContext ctx(config.source);
  auto plan = std::make_unique<Plan>();
  plan->failover_groups = read_failover_groups(config, ctx);
  if (config.alerting.IsDefined() && !config.alerting.IsNull()) {
    plan->config = read_alerting_config(config.alerting, ctx, "alerting");
    if (plan->config.external_url.empty()) plan->config.external_url = config.external_url;
    plan->receivers = build_receivers(plan->config, ctx, receiver_deps(plan->failover_groups));
  }
  ctx.throw_if_errors();
  plan->routing = plan->config.route != nullptr;
  if (!plan->routing && plan->failover_groups.empty()) return nullptr;
  return plan;
}

class Runtime final : public AlertingRuntime {
 public:
  explicit Runtime(AlertingHost host)
      : host_(std::move(host)),
        // The admin learns of every failover transition through the receivers.
        failover_(start_failover_service(host_.store, host_.state_directory,
                                         [slot = slot_](std::vector<Alert> alerts) {
                                           if (auto service = slot->get())
                                             service->insert(alerts, "failover");
                                           else
                                             log::warn("failover transition not sent: no "
                                                       "alerting.route configured");
                                         })),
        routes_(alerting_routes({slot_, host_.local_alerts_json, host_.version, host_.revision})) {
    // GET /api/v1/failover and the manual fail-over/fail-back, first: the alerting routes
    // answer the rest of /api/.
    auto failover_routes = failover::failover_routes(*failover_);
    routes_.insert(routes_.begin(), failover_routes.begin(), failover_routes.end());
  }

  ~Runtime() override {
    host_.store->set_publish_listener(nullptr);
    failover_actions_slot()->set(nullptr);
    failover_->stop();  // its last transitions still reach the alerting service
    slot_->set(nullptr);
  }

  std::vector<std::string> apply(std::unique_ptr<AlertingPlan> next) override {
    auto* plan = dynamic_cast<Plan*>(next.get());
    std::vector<failover::GroupConfig> groups;
    if (plan) groups = std::move(plan->failover_groups);
    std::vector<std::string> warnings = apply_routing(plan);
    // Health comes from the probes' values: kept before a group can see an outcome without them.
    if (!groups.empty()) host_.store->keep_values(true);
    if (!groups.empty() && host_.state_directory.empty())
      log::warn("failover: without global.state_directory a restart forgets the last change "
                "(the hold times start over; the served record still decides the state)");
    failover_->configure(std::move(groups));
    return warnings;
  }

  bool needs_values() const override { return failover_->needs_values(); }

  std::vector<std::string> unit_names() const override {
    std::vector<std::string> names;
    if (slot_->get()) names.push_back(kAlertingUnit);
    if (!failover_->empty()) names.push_back(failover::kFailoverUnit);
    return names;
  }

  void set_generation(std::uint64_t generation) override {
    if (auto service = slot_->get()) service->set_generation(generation);
    failover_->set_generation(generation);
  }

  void insert_local(std::vector<Alert> alerts) override {
    if (auto service = slot_->get()) service->insert(alerts, "local");
  }

  HttpReply handle(const HttpRequest& request) override {
    return dispatch_routes(routes_, request);
  }

  std::string status_html() const override {
    auto service = slot_->get();
    return (service ? alerting_status_html(*service) : std::string()) + failover_->status_html();
  }

 private:
  // Starts, reconfigures or stops the routing and notification service.
  std::vector<std::string> apply_routing(Plan* plan) {
    auto running = slot_->get();
    if (!plan || !plan->routing) {
      if (running) log::info("alerting stopped (no alerting.route)");
      slot_->set(nullptr);
      return {};
    }
    if (running) return running->reconfigure(std::move(plan->config), std::move(plan->receivers));
    const std::string spool = plan->config.spool_directory.string();
    slot_->set(std::make_shared<AlertingService>(
        std::move(plan->config), std::move(plan->receivers),
        AlertingService::Options{host_.store, std::chrono::seconds(1), 50000}));
    log::info("alerting started", {{"spool_directory", spool}});
    return {};
  }

  AlertingHost host_;
  std::shared_ptr<ServiceSlot> slot_ = std::make_shared<ServiceSlot>();
  std::shared_ptr<failover::FailoverService> failover_;
  std::vector<HttpRoute> routes_;
};

std::unique_ptr<AlertingRuntime> start_runtime(AlertingHost host) {
  return std::make_unique<Runtime>(std::move(host));
}

}  // namespace
}  // namespace hawatch::alerting

HAWATCH_REGISTER_ALERTING_MODULE((::hawatch::alerting::AlertingEntryPoints{
    &::hawatch::alerting::plan_alerting, &::hawatch::alerting::start_runtime}))
