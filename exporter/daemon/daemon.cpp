#include "daemon.h"

#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "core/log.h"
#include "hawatch/version.h"
#include "http/tls_socket.h"
#include "runtime/exec_runner.h"
#include "runtime/plugin_units.h"
#include "sd_notify.h"

namespace hawatch {

using std::chrono::steady_clock;

namespace {

local::LocalRulesConfig rules_config(const Config& config) {
  local::LocalRulesConfig c;
  c.rule_files = config.rule_files;
  // Relative rule file globs are relative to the config file, as in Prometheus.
  const auto slash = config.source.rfind('/');
  c.base_dir = config.source == kEmbeddedConfigName || slash == std::string::npos
                   ? std::string(".")
                   : config.source.substr(0, slash == 0 ? 1 : slash);
  c.evaluation_interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.evaluation_interval);
  if (!config.state_directory.empty()) c.state_file = config.state_directory + "/alerts.state";
  c.external_url = config.external_url;
  return c;
}

// Tells the service manager (systemd, Type=notify) about a state change; without one, a no-op.
// A failure is not worth stopping for (libsystemd callers ignore it too), only worth a note.
void notify_service_manager(std::string_view state) {
  const auto result = sd::notify(state);
  if (result.outcome == sd::NotifyOutcome::failed)
    log::debug("service manager notification failed", {{"err", result.error}});
}

}  // namespace

Daemon::Daemon(CommandLine cl) : cl_(std::move(cl)) {}

Daemon::~Daemon() {
  if (http_) http_->stop();
  if (rules_) rules_->stop();
  alerting_->set(nullptr);
  if (scheduler_) scheduler_->stop();
  // A collector stuck in a syscall must not keep the process from exiting.
  if (pool_) pool_->shutdown(std::chrono::seconds(2));
}

Config Daemon::load_config() const {
  Config cfg = cl_.config_file ? load_config_file(*cl_.config_file)
                               : parse_config(embedded_default_config(), kEmbeddedConfigName);
  // Flags override the config file.
  if (cl_.listen_address) cfg.listen_address = *cl_.listen_address;
  if (cl_.telemetry_path) cfg.telemetry_path = *cl_.telemetry_path;
  return cfg;
}

Environment Daemon::environment(const Config& config) const {
  Environment env;
  env.procfs = cl_.procfs;
  env.sysfs = cl_.sysfs;
  env.rootfs = cl_.rootfs;
  env.node_name = config.node_name;
  return env;
}

int Daemon::check_config() {
  try {
    const Config cfg = load_config();
    CollectorOverrides overrides{cl_.collector_switches};
    auto collectors = build_collectors(cfg, environment(cfg), overrides);
    for (auto& unit : plugins::build_plugin_units(cfg, environment(cfg)))
      collectors.push_back(std::move(unit));
    parse_listen_address(cfg.listen_address);
    (void)plan_alerting(cfg);
    if (!cfg.rule_files.empty()) {
      const auto errors = local::LocalRules::check(rules_config(cfg));
      for (const auto& e : errors) std::cerr << e << "\n";
      if (!errors.empty()) return 1;
    }
    // Loads the tls module and the TLS material as start-up would.
    if (cl_.web_config_file) check_tls_setup(load_web_config(*cl_.web_config_file));
    for (const auto& w : cfg.warnings) std::cerr << "warning: " << w << "\n";
    std::cout << cfg.source << ": OK (" << collectors.size() << " collectors enabled)\n";
    return 0;
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) std::cerr << d.to_string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << (cl_.config_file ? *cl_.config_file : kEmbeddedConfigName) << ": " << e.what()
              << "\n";
  }
  return 1;
}

std::vector<ScheduledCollector> Daemon::build_units(const Config& config) const {
  CollectorOverrides overrides{cl_.collector_switches};
  auto collectors = build_collectors(config, environment(config), overrides);
  // Exec checks, .so plugins and the textfile directory are scheduled like collectors.
  for (auto& unit : plugins::build_plugin_units(config, environment(config)))
    collectors.push_back(std::move(unit));
  return collectors;
}

void Daemon::start_generation(std::vector<ScheduledCollector> collectors) {
  std::vector<std::string> names;
  for (const auto& c : collectors) names.push_back(c.name);
  if (rules_ && rules_->loaded()) names.push_back(local::kRulesUnit);
  const auto alerting = alerting_->get();
  if (alerting)
    for (auto& unit : alerting->unit_names()) names.push_back(std::move(unit));
  if (scheduler_) scheduler_->stop();
  ++generation_;
  store_->begin_generation(generation_, names);
  if (rules_) rules_->set_generation(generation_);
  if (alerting) alerting->set_generation(generation_);
  scheduler_ = std::make_unique<Scheduler>(std::move(collectors), pool_, store_, generation_);
  scheduler_->start();
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
  log::info("collectors started",
            {{"collectors", list}, {"generation", std::to_string(generation_)}});
}

void Daemon::reload() {
  log::info("reloading configuration", {{"file", cl_.config_file.value_or(kEmbeddedConfigName)}});
  try {
    Config next = load_config();
    if (next.listen_address != config_.listen_address ||
        next.telemetry_path != config_.telemetry_path)
      log::warn("listen address and telemetry path changes take effect after a restart");
    auto units = build_units(next);
    auto alerting_plan = plan_alerting(next);
    if (const auto errors = apply_rules(next); !errors.empty()) {
      for (const auto& e : errors)
        log::error("configuration reload failed; keeping the previous configuration", {{"err", e}});
      store_->set_reload_status(false, std::chrono::system_clock::now());
      return;
    }
    apply_alerting(next, std::move(alerting_plan));
    start_generation(std::move(units));
    config_ = std::move(next);
    store_->set_reload_status(true, std::chrono::system_clock::now());
    log::info("configuration reloaded");
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics())
      log::error("configuration reload failed; keeping the previous configuration",
                 {{"err", d.to_string()}});
    store_->set_reload_status(false, std::chrono::system_clock::now());
  } catch (const std::exception& e) {
    log::error("configuration reload failed; keeping the previous configuration",
               {{"err", e.what()}});
    store_->set_reload_status(false, std::chrono::system_clock::now());
  }
}

std::vector<std::string> Daemon::apply_rules(const Config& config) {
  if (config.rule_files.empty()) {
    rules_->stop();
    rules_->clear();
    store_->keep_values(false);
    return {};
  }
  auto errors = rules_->load(rules_config(config));
  if (!errors.empty()) return errors;
  store_->keep_values(true);
  rules_->start();
  return {};
}

std::unique_ptr<alerting::AlertingPlan> Daemon::plan_alerting(const Config& config) {
  if (!alerting::wants_alerting(config)) return nullptr;
  return alerting::require_alerting_module(config).plan(config);
}

void Daemon::apply_alerting(const Config& config, std::unique_ptr<alerting::AlertingPlan> plan) {
  auto runtime = alerting_->get();
  if (!runtime) {
    if (!plan) return;
    alerting::AlertingHost host{store_, [rules = rules_.get()] { return rules->alerts_json(); },
                                kVersion, kRevision};
    runtime = alerting::require_alerting_module(config).start(std::move(host));
    alerting_->set(runtime);
  }
  for (const auto& w : runtime->apply(std::move(plan))) log::warn("alerting", {{"warning", w}});
}

bool Daemon::healthy() const {
  // The scheduling loop ticks at least once a second; five seconds of silence means it is stuck.
  return scheduler_ && steady_clock::now() - scheduler_->last_tick() < std::chrono::seconds(5);
}

int Daemon::run() {
  try {
    config_ = load_config();
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics())
      log::error("invalid configuration", {{"err", d.to_string()}});
    return 1;
  }
  std::optional<WebConfig> web;
  try {
    if (cl_.web_config_file) web = load_web_config(*cl_.web_config_file);
    if (web) require_tls_support(*web);  // maps OpenSSL only when TLS is configured
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics())
      log::error("invalid web config", {{"err", d.to_string()}});
    return 1;
  }
  for (const auto& w : config_.warnings) log::warn("configuration", {{"warning", w}});
  if (::geteuid() == 0)
    log::warn("running as root; hawatch needs no privileges, run it as an unprivileged user");

  log::info("starting hawatch", {{"version", kVersion},
                                 {"revision", kRevision},
                                 {"config", config_.source},
                                 {"node", config_.node_name}});
  try {
    auto units = build_units(config_);
    store_ = std::make_shared<SnapshotStore>();
    rules_ = std::make_unique<local::LocalRules>(store_);
    // The local rules' alerts go to the router as Prometheus' would go to an Alertmanager.
    rules_->set_alert_sink([slot = alerting_](std::vector<alerting::Alert> alerts) {
      if (auto runtime = slot->get()) runtime->insert_local(std::move(alerts));
    });
    apply_alerting(config_, plan_alerting(config_));
    if (const auto errors = apply_rules(config_); !errors.empty()) {
      for (const auto& e : errors) log::error("invalid rule file", {{"err", e}});
      return 1;
    }
    pool_ = std::make_shared<WorkerPool>(config_.workers);
    start_generation(std::move(units));
    HttpServerOptions http_opts;
    http_opts.listen_address = config_.listen_address;
    http_opts.telemetry_path = config_.telemetry_path;
    http_opts.web = web;
    http_opts.node_name = config_.node_name;
    // The alert API as Alertmanager's v2 and the Alertmanager-webhook receiver, served by the
    // alerting module once a config asks for it (a reload may turn it on).
    HttpRoute api;
    api.methods = {"GET", "POST", "PUT", "DELETE"};
    api.path = alerting::kApiPrefix;
    api.prefix = true;
    api.max_body_bytes = alerting::kMaxApiBody;
    api.handler = [slot = alerting_, rules = rules_.get()](const HttpRequest& request) {
      if (auto runtime = slot->get()) return runtime->handle(request);
      return alerting::serve_without_alerting(request, [rules] { return rules->alerts_json(); });
    };
    http_opts.routes.push_back(std::move(api));
    http_opts.status_sections = [rules = rules_.get(), slot = alerting_] {
      std::string out = rules->loaded() ? rules->status_html() : std::string();
      if (auto runtime = slot->get()) out += runtime->status_html();
      return out;
    };
    http_ = std::make_unique<HttpServer>(http_opts, store_, [this] { return healthy(); });
    http_->start();
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics())
      log::error("invalid configuration", {{"err", d.to_string()}});
    return 1;
  } catch (const std::exception& e) {
    log::error("start-up failed", {{"err", e.what()}});
    return 1;
  }
  log::info("listening", {{"address", config_.listen_address},
                          {"port", std::to_string(http_->port())},
                          {"tls", web && web->tls ? "true" : "false"}});
  notify_service_manager("READY=1\nSTATUS=serving metrics");

  const auto watchdog_interval = sd::watchdog_enabled();
  const bool watchdog = watchdog_interval.has_value();
  timespec wait{1, 0};
  if (watchdog && watchdog_interval->count() / 2 < 1000000) {
    wait.tv_sec = 0;
    wait.tv_nsec = static_cast<long>(watchdog_interval->count() / 2 * 1000);
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  for (;;) {
    const int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGHUP) {
      notify_service_manager(sd::reloading_message());
      reload();
      notify_service_manager("READY=1");
    } else if (sig == SIGTERM || sig == SIGINT) {
      log::info("stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
      break;
    }
    // Only vouch for liveness to systemd while collection is actually progressing.
    if (watchdog && healthy()) notify_service_manager("WATCHDOG=1");
  }
  notify_service_manager("STOPPING=1");
  http_->stop();
  rules_->stop();
  alerting_->set(nullptr);  // joins the dispatcher and the spool worker; the spool keeps the rest
  scheduler_->stop();
  // A check still running is not waited for: it and whatever it started are killed now.
  if (const int reaped = plugins::stop_all_commands())
    log::info("killed processes left by exec checks", {{"count", std::to_string(reaped)}});
  if (!pool_->shutdown(std::chrono::seconds(2)))
    log::warn("a collector was still running at shutdown; not waiting for it");
  log::info("stopped");
  return 0;
}

}  // namespace hawatch
