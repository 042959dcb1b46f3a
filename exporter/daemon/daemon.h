#pragma once
// The daemon's lifecycle: configure, serve, reload on SIGHUP, stop on SIGTERM.

#include <memory>
#include <mutex>

#include "cli.h"
#include "core/collector_set.h"
#include "core/config.h"
#include "core/scheduler.h"
#include "core/snapshot.h"
#include "core/worker_pool.h"
#include "http/http_server.h"
#include "local/local_rules.h"
#include "port/alerting_port.h"

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
  // The config's alerting section read and its receivers built by the alerting module, which
  // this loads when the section is there (null: nothing to run); throws ConfigError with
  // FILE:LINE:COL diagnostics.
  static std::unique_ptr<alerting::AlertingPlan> plan_alerting(const Config& config);
  // Starts, reconfigures or stops the alerting service as `plan` says.
  void apply_alerting(const Config& config, std::unique_ptr<alerting::AlertingPlan> plan);

  // The alerting module's runtime, made when a config first asks for alerting and kept for the
  // process' life; read by the rules' thread and the HTTP threads.
  class AlertingSlot {
   public:
    std::shared_ptr<alerting::AlertingRuntime> get() const {
      const std::lock_guard lock(mutex_);
      return runtime_;
    }
    void set(std::shared_ptr<alerting::AlertingRuntime> runtime) {
      const std::lock_guard lock(mutex_);
      runtime_ = std::move(runtime);
    }

   private:
    mutable std::mutex mutex_;
    std::shared_ptr<alerting::AlertingRuntime> runtime_;
  };

  CommandLine cl_;
  Config config_;
  std::shared_ptr<SnapshotStore> store_;
  std::shared_ptr<WorkerPool> pool_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<local::LocalRules> rules_;
  std::shared_ptr<AlertingSlot> alerting_ = std::make_shared<AlertingSlot>();
  std::uint64_t generation_ = 0;
};

}  // namespace hawatch
