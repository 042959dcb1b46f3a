#pragma once
// The daemon's lifecycle: configure, serve, reload on SIGHUP, stop on SIGTERM.

#include <memory>

#include "cli.h"
#include "core/collector_set.h"
#include "core/config.h"
#include "core/scheduler.h"
#include "core/snapshot.h"
#include "core/worker_pool.h"
#include "failover_setup.h"
#include "http/http_server.h"
#include "local/local_rules.h"
#include "service/build_receivers.h"
#include "service/http_api.h"

namespace hawatch {

class Daemon {
 public:
  explicit Daemon(CommandLine cl);
  ~Daemon();

  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int run();
  // --check-config: validates config, collector options and web config; prints FILE:LINE:COL
  // errors to stderr. Returns the exit code.
  int check_config();
  bool check_config_requested() const { return cl_.check_config; }

 private:
  Config load_config() const;
  Environment environment(const Config& config) const;
  // Builds the collector and plugin units a config asks for; throws ConfigError.
  std::vector<ScheduledCollector> build_units(const Config& config) const;
  // Replaces the running collectors with `collectors` under a new generation.
  void start_generation(std::vector<ScheduledCollector> collectors);
  void reload();
  // Loads the config's rules into rules_ (or clears them); returns their errors, changing
  // nothing when there are any.
  std::vector<std::string> apply_rules(const Config& config);
  bool healthy() const;
  // The config's alerting section read and its receivers built (nullopt: no alerting.route);
  // throws ConfigError with FILE:LINE:COL diagnostics.
  struct AlertingPlan {
    alerting::AlertingConfig config;
    std::vector<alerting::ReceiverConfig> receivers;
  };
  static std::optional<AlertingPlan> plan_alerting(const Config& config,
                                                   const alerting::ReceiverDeps& deps);
  // Starts, reconfigures or stops the alerting service as `plan` says.
  void apply_alerting(std::optional<AlertingPlan> plan);
  // Hands the failover service its groups (kept groups keep their state).
  void apply_failover(std::vector<alerting::failover::GroupConfig> groups);

  CommandLine cl_;
  Config config_;
  std::shared_ptr<SnapshotStore> store_;
  std::shared_ptr<WorkerPool> pool_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<local::LocalRules> rules_;
  std::shared_ptr<alerting::ServiceSlot> alerting_ = std::make_shared<alerting::ServiceSlot>();
  std::shared_ptr<alerting::failover::FailoverService> failover_;
  std::uint64_t generation_ = 0;
};

}  // namespace hawatch
