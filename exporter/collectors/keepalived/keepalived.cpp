// keepalived: VRRP instance states and VIP ownership.
//
// States come from keepalived's D-Bus API (keepalived_dbus.{h,cpp}) or, when keepalived runs
// without D-Bus, from its notify FIFO (keepalived_fifo.{h,cpp}); which VIPs this node holds comes
// from the local addresses (local_addresses.{h,cpp}). Options: keepalived_config.{h,cpp};
// parsers: keepalived_parsers.{h,cpp}.

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>

#include "core/collector.h"
#include "keepalived_source.h"
#include "core/log.h"
#include "keepalived_config.h"
#include "keepalived_dbus.h"
#include "keepalived_fifo.h"
#include "keepalived_parsers.h"
#include "local_addresses.h"

namespace hawatch {
namespace {

using namespace keepalived;

// What one run learned about keepalived.
struct StateRead {
  bool up = false;
  std::string source;  // "dbus" or "fifo": where the states came from
  std::string down_reason;
  std::vector<InstanceStatus> instances;
  std::vector<std::string> problems;
};

// Instances remembered while keepalived is down, so their series stay (with state init).
constexpr std::size_t kMaxKnownInstances = 256;

class KeepalivedCollector final : public Collector {
 public:
  explicit KeepalivedCollector(Options options) : o_(std::move(options)) {}

  void collect(const CollectContext& ctx, MetricSink& sink,
               std::vector<CollectProblem>& problems) override {
    // Started on first use, not when built: --check-config builds collectors too.
    if (!o_.fifo.empty() && !fifo_) fifo_ = std::make_unique<NotifyFifoReader>(o_.fifo);
    // Finish a little early, so that a slow bus reads as keepalived down, not as a timed-out run.
    const auto margin =
        std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100), ctx.remaining() / 10);
    StateRead read = read_state(ctx.deadline - margin);
    for (const auto& p : read.problems) problems.push_back({"keepalived: " + p});
    if (!read.up) problems.push_back({"keepalived: " + read.down_reason});
    remember(read);
    emit_states(sink, read);
    emit_vips(sink, ctx, problems);
  }

 private:
  StateRead read_state(std::chrono::steady_clock::time_point deadline) {
    StateRead read;
    if (o_.source != Source::fifo) {
      try {
        auto dbus = read_dbus_instances(o_.service, deadline);
        read.up = true;
        read.source = "dbus";
        read.instances = std::move(dbus.instances);
        read.problems = std::move(dbus.problems);
        return read;
      } catch (const DbusUnavailable& e) {
        read.down_reason = e.what();
      }
    }
    if (fifo_ && (o_.source == Source::fifo || !read.down_reason.empty())) read_fifo(read);
    return read;
  }

  void read_fifo(StateRead& read) {
    const FifoSnapshot s = fifo_->snapshot();
    const std::string dbus_reason = read.down_reason.empty() ? "" : read.down_reason + "; ";
    read.source = "fifo";
    if (!s.open) {
      read.down_reason =
          dbus_reason + "notify FIFO " + (s.error.empty() ? "not open yet" : s.error);
      return;
    }
    if (s.writer_closed) {
      read.down_reason = dbus_reason + "keepalived closed the notify FIFO " + o_.fifo.string();
      return;
    }
    read.up = true;
    read.down_reason.clear();
    for (const auto& [name, state] : s.instances)
      read.instances.push_back({name, state, std::nullopt});
    if (s.bad_lines > bad_lines_logged_) {
      log::warn(
          "keepalived notify FIFO: lines ignored",
          {{"count", std::to_string(s.bad_lines - bad_lines_logged_)}, {"last", s.last_bad_line}});
      bad_lines_logged_ = s.bad_lines;
    }
    invalid_lines_ = s.bad_lines;
  }

  void remember(StateRead& read) {
    if (read.up) {
      known_.clear();
      for (const auto& i : read.instances)
        if (known_.size() < kMaxKnownInstances) known_[i.name] = i;
      return;
    }
    // keepalived is down: its instances are not taking part in VRRP.
    for (auto& [name, instance] : known_) {
      instance.state = VrrpState::init;
      read.instances.push_back(instance);
    }
  }

  void emit_states(MetricSink& sink, const StateRead& read) {
    sink.gauge(
        "hawatch_keepalived_up",
        "Whether keepalived could be read (1): on the bus under its service name, or writing to "
        "its notify FIFO.",
        read.up ? 1 : 0);
    for (const char* source : {"dbus", "fifo"})
      sink.gauge("hawatch_keepalived_source",
                 "Where this run read the VRRP states from (1), else 0.",
                 read.up && read.source == source ? 1 : 0, {{"source", source}});
    if (fifo_)
      sink.counter(
          "hawatch_keepalived_notify_fifo_invalid_lines_total",
          "Lines on the notify FIFO that were not keepalived events (malformed, overlong).",
          static_cast<double>(invalid_lines_));
    for (const auto& i : read.instances) {
      sink.gauge("hawatch_vrrp_state", "VRRP instance state: 0 init, 1 backup, 2 master, 3 fault.",
                 static_cast<int>(i.state), {{"instance", i.name}});
      if (i.where)
        sink.info("hawatch_vrrp_instance_info",
                  "A VRRP instance's interface, virtual router id and family.",
                  {{"family", i.where->family},
                   {"instance", i.name},
                   {"interface", i.where->interface},
                   {"vrid", std::to_string(i.where->vrid)}});
    }
  }

  void emit_vips(MetricSink& sink, const CollectContext& ctx,
                 std::vector<CollectProblem>& problems) {
    if (o_.vips.empty()) return;
    std::vector<LocalAddress> addresses;
    try {
      addresses = read_local_addresses(std::max(ctx.remaining(), std::chrono::milliseconds(1)));
    } catch (const std::exception& e) {
      problems.push_back({std::string("keepalived: local addresses: ") + e.what()});
      return;
    }
    for (const auto& v : vip_presence(o_.vips, addresses))
      sink.gauge(
          "hawatch_vip_present",
          "Whether this node holds the virtual IP (1, on `interface`) or not (0, interface \"\").",
          v.present ? 1 : 0, {{"address", v.address}, {"interface", v.interface}});
  }

  const Options o_;
  std::map<std::string, InstanceStatus> known_;
  std::uint64_t bad_lines_logged_ = 0;
  std::uint64_t invalid_lines_ = 0;
  std::unique_ptr<NotifyFifoReader> fifo_;  // last: its thread stops before the rest goes
};

std::unique_ptr<Collector> create(const CollectorArgs& args) {
  auto options = read_options(args);
  if (!options) return nullptr;
  return std::make_unique<KeepalivedCollector>(std::move(*options));
}

CollectorDescriptor keepalived_descriptor() {
  CollectorDescriptor d;
  d.name = "keepalived";
  d.default_enablement = Enablement::automatic;
  // VRRP fails over in seconds; a short interval keeps hawatch's view close to it. A run is a few
  // D-Bus round trips and one netlink dump.
  d.default_interval = std::chrono::seconds(5);
  d.default_timeout = std::chrono::seconds(3);
  // On where keepalived is configured.
  d.source_exists = keepalived_source_exists;
  d.create = create;
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(keepalived, hawatch::keepalived_descriptor)
