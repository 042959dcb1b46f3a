// The alerting module (alerting.so): the daemon's AlertingRuntime (port/alerting_port.h) on top of
// the routing and notification service, its receivers and its HTTP API. Everything here may pull
// in large libraries (libcurl, OpenSSL, Poco JSON); the daemon maps them only when its config has
// an alerting section.

#include <mutex>

#include "core/config_reader.h"
#include "core/log.h"
#include "http/route_dispatch.h"
#include "port/alerting_port.h"
#include "service/alerting_service.h"
#include "service/build_receivers.h"
#include "service/http_api.h"

namespace hawatch::alerting {
namespace {

class Plan final : public AlertingPlan {
 public:
  AlertingConfig config;
  std::vector<ReceiverConfig> receivers;
};

std::unique_ptr<AlertingPlan> plan_alerting(const Config& config) {
  if (!wants_alerting(config)) return nullptr;
  ConfigContext ctx(config.source);
  auto plan = std::make_unique<Plan>();
  plan->config = read_alerting_config(config.alerting, ctx, "alerting");
  if (plan->config.external_url.empty()) plan->config.external_url = config.external_url;
  plan->receivers = build_receivers(plan->config, ctx);
  ctx.throw_if_errors();
  if (!plan->config.route) return nullptr;
  return plan;
}

class Runtime final : public AlertingRuntime {
 public:
  explicit Runtime(AlertingHost host)
      : host_(std::move(host)),
        routes_(alerting_routes({slot_, host_.local_alerts_json, host_.version, host_.revision})) {}

  ~Runtime() override { slot_->set(nullptr); }

  std::vector<std::string> apply(std::unique_ptr<AlertingPlan> next) override {
    auto* plan = dynamic_cast<Plan*>(next.get());
    auto running = slot_->get();
    if (!plan) {
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

  std::vector<std::string> unit_names() const override {
    if (slot_->get()) return {kAlertingUnit};
    return {};
  }

  void set_generation(std::uint64_t generation) override {
    if (auto service = slot_->get()) service->set_generation(generation);
  }

  void insert_local(std::vector<Alert> alerts) override {
    if (auto service = slot_->get()) service->insert(alerts, "local");
  }

  HttpReply handle(const HttpRequest& request) override {
    return dispatch_routes(routes_, request);
  }

  std::string status_html() const override {
    auto service = slot_->get();
    return service ? alerting_status_html(*service) : std::string();
  }

 private:
  AlertingHost host_;
  std::shared_ptr<ServiceSlot> slot_ = std::make_shared<ServiceSlot>();
  std::vector<HttpRoute> routes_;
};

std::unique_ptr<AlertingRuntime> start_runtime(AlertingHost host) {
  return std::make_unique<Runtime>(std::move(host));
}

}  // namespace
}  // namespace hawatch::alerting

HAWATCH_REGISTER_ALERTING_MODULE((::hawatch::alerting::AlertingEntryPoints{
    &::hawatch::alerting::plan_alerting, &::hawatch::alerting::start_runtime}))
