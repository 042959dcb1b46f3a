// systemd: state, restarts and failures of the units an AMSLPR node runs, over one persistent
// sd-bus connection (systemd_bus.{h,cpp}); which units, and the failure counting, in
// systemd_units.{h,cpp}.

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "core/collector.h"
#include "systemd_source.h"
#include "systemd_bus.h"
#include "systemd_units.h"

namespace hawatch {
namespace {

using systemd::UnitProperties;

class SystemdCollector final : public Collector {
 public:
  explicit SystemdCollector(systemd::UnitFilter filter) : filter_(std::move(filter)) {}

  void collect(const CollectContext& ctx, MetricSink& sink,
               std::vector<CollectProblem>& problems) override {
    // Connected on first use, not when built: --check-config builds collectors too.
    if (!bus_) bus_ = std::make_unique<systemd::SystemdBus>(listener());
    systemd::UnitRead read;
    bool up = true;
    try {
      // Finish a little before the scheduler's deadline, so that a slow bus reads as this
      // collector's own error (and up 0) rather than as a run that timed out.
      const auto margin = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100),
                                                              ctx.remaining() / 10);
      read = bus_->read_units(filter_, ctx.deadline - margin);
    } catch (const std::exception& e) {
      // Kept stable while the outage lasts: the scheduler logs only when the error changes.
      problems.push_back({std::string("systemd: ") + e.what()});
      up = false;
    }
    sink.gauge("hawatch_systemd_up", "Whether systemd answered over the system bus (1) or not (0).",
               up ? 1 : 0);
    sink.counter("hawatch_systemd_bus_disconnects_total",
                 "Times the connection to the system bus was lost.",
                 static_cast<double>(bus_->disconnects()));
    for (const auto& p : read.problems) problems.push_back({"systemd: " + p});
    for (const auto& unit : read.units) emit(sink, unit);
  }

 private:
  systemd::UnitStateListener listener() {
    return {[this](const std::string& unit, const std::string& state) {
              if (!filter_.selects(unit)) return;
              std::lock_guard lock(failures_mutex_);
              failures_.on_signal(unit, state);
            },
            [this](const std::string& unit, const std::string& state) {
              std::lock_guard lock(failures_mutex_);
              failures_.on_read(unit, state);
            }};
  }

  void emit(MetricSink& sink, const UnitProperties& u) {
    const Labels unit{{"unit", u.name}};
    for (auto state : systemd::kActiveStates)
      sink.gauge("hawatch_systemd_unit_state", "Unit ActiveState: 1 for the current state, else 0.",
                 u.active_state == state ? 1 : 0, {{"state", std::string(state)}, {"unit", u.name}});
    for (auto state : systemd::kLoadStates)
      sink.gauge("hawatch_systemd_unit_load_state",
                 "Unit LoadState: 1 for the current state, else 0 (not-found: no such unit file).",
                 u.load_state == state ? 1 : 0, {{"state", std::string(state)}, {"unit", u.name}});
    sink.gauge("hawatch_systemd_unit_active_enter_timestamp_seconds",
               "When the unit last entered the active state, seconds since the epoch (0: never).",
               static_cast<double>(u.active_enter_usec) / 1e6, unit);
    std::uint64_t failures = 0;
    {
      std::lock_guard lock(failures_mutex_);
      failures = failures_.failures(u.name);
    }
    sink.counter("hawatch_systemd_unit_failures_total",
                 "Times the unit entered the failed state while hawatch watched (from systemd's "
                 "change signals, so short failures between scrapes count too).",
                 static_cast<double>(failures), unit);
    if (u.n_restarts)
      sink.counter("hawatch_systemd_service_restarts_total",
                   "Automatic restarts of the service (systemd's NRestarts).", *u.n_restarts, unit);
    if (u.memory_current_bytes)
      sink.gauge("hawatch_systemd_unit_memory_bytes", "Memory used by the unit's cgroup (MemoryCurrent).",
                 static_cast<double>(*u.memory_current_bytes), unit);
    if (u.tasks_current)
      sink.gauge("hawatch_systemd_unit_tasks", "Tasks (threads) in the unit's cgroup (TasksCurrent).",
                 static_cast<double>(*u.tasks_current), unit);
    if (u.cpu_usage_nsec)
      sink.counter("hawatch_systemd_unit_cpu_seconds_total",
                   "CPU time used by the unit's cgroup (CPUUsageNSec).",
                   static_cast<double>(*u.cpu_usage_nsec) / 1e9, unit);
  }

  const systemd::UnitFilter filter_;
  std::mutex failures_mutex_;
  systemd::FailureCounter failures_;
  // Last: its event thread calls back into the members above, so it stops before they go.
  std::unique_ptr<systemd::SystemdBus> bus_;
};

// Reads a regex option; an invalid one is reported at its position.
std::optional<std::string> regex_option(MapReader& opts, const CollectorArgs& args, const std::string& key) {
  auto value = opts.string(key);
  if (!value) return std::nullopt;
  if (const auto why = systemd::regex_problem(*value); !why.empty()) {
    args.ctx.error(opts.node(key), "\"" + args.where + "." + key + "\": invalid regular expression \"" +
                                       *value + "\": " + why);
    return std::nullopt;
  }
  return value;
}

CollectorDescriptor systemd_descriptor() {
  CollectorDescriptor d;
  d.name = "systemd";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  // On when there is a system bus to talk to.
  d.source_exists = systemd_source_exists;
  d.create = [](const CollectorArgs& args) -> std::unique_ptr<Collector> {
    MapReader opts(args.options, args.ctx, args.where);
    const bool has_include = opts.has("unit_include");
    auto include = regex_option(opts, args, "unit_include");
    auto exclude = regex_option(opts, args, "unit_exclude");
    opts.finish();
    if (has_include && !include) return nullptr;
    if (opts.has("unit_exclude") && !exclude) return nullptr;
    return std::make_unique<SystemdCollector>(
        systemd::UnitFilter(include.value_or(std::string(systemd::kDefaultInclude)), exclude,
                            /*report_missing=*/has_include));
  };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(systemd, hawatch::systemd_descriptor)
