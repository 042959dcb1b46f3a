// pi: Raspberry Pi health — the usual causes of a "random" crash or a corrupted SQLite file on a
// Pi: a weak power supply (under-voltage, throttling), a worn or failing SD card / eMMC, a data
// filesystem that went read-only; and whether the Hailo accelerator AMSLPR's OCR uses is there.
// Every part is optional: a source this board or kernel lacks yields no series; a source that is
// there but unreadable or malformed makes the run a failure naming the file, and the other parts
// are still served. The parsers live beside this file (throttled.h, cpufreq.h, mmc_health.h,
// mountinfo_readonly.h), each citing the kernel interface it reads.

#include <set>

#include "core/collector.h"
#include "core/file_io.h"
#include "cpufreq.h"
#include "mmc_health.h"
#include "collectors/shared/mountinfo.h"
#include "sysfs_read.h"
#include "throttled.h"

namespace hawatch {
namespace {

using pi::ThrottleCondition;

// Where AMSLPR/VisiGate keep their databases, and the root filesystem that holds them when they
// are not mounts of their own. Defaults that do not exist on this install are skipped quietly.
const std::vector<std::string> kDefaultDataDirectories{"/", "/var/lib/amslpr", "/var/lib/visigate"};
const std::vector<std::string> kDefaultAcceleratorDevices{"/dev/hailo0"};

struct PiOptions {
  std::vector<std::string> data_directories = kDefaultDataDirectories;
  bool explicit_data_directories = false;
  std::vector<std::string> accelerator_devices = kDefaultAcceleratorDevices;
  bool firmware_node = true;
};

// The device tree's model string ("Raspberry Pi 4 Model B Rev 1.4"), NUL-terminated as device-
// tree strings are; nullopt when this is no device-tree system.
std::optional<std::string> read_model(const Environment& env) {
  try {
    std::string text = read_file(env.sys("firmware/devicetree/base/model"), 4096);
    while (!text.empty() && (text.back() == '\0' || text.back() == '\n')) text.pop_back();
    return pi::printable_label(text, 128);
  } catch (const IoError& e) {
    if (e.not_found()) return std::nullopt;
    throw;
  }
}

class PiCollector final : public Collector {
 public:
  PiCollector(const Environment& env, PiOptions options) : env_(env), opts_(std::move(options)) {}

  void collect(const CollectContext&, MetricSink& sink,
               std::vector<CollectProblem>& problems) override {
    part(problems, [&] { model(sink); });
    power(sink, problems);
    cpu_frequency(sink, problems);
    storage(sink, problems);
    part(problems, [&] { filesystems(sink, problems); });
    part(problems, [&] { accelerators(sink); });
  }

 private:
  template <typename Fn>
  static void part(std::vector<CollectProblem>& problems, Fn&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      problems.push_back({e.what()});
    }
  }

  static void add(std::vector<CollectProblem>& problems, std::vector<std::string>& found) {
    for (auto& p : found) problems.push_back({std::move(p)});
  }

  void model(MetricSink& sink) {
    if (const auto m = read_model(env_))
      sink.info("hawatch_pi_model_info", "The board's model, from the device tree.",
                {{"model", *m}});
  }

  void power(MetricSink& sink, std::vector<CollectProblem>& problems) {
    std::optional<pi::ThrottledState> state;
    if (opts_.firmware_node) part(problems, [&] { state = pi::read_get_throttled(env_); });
    if (state) {
      emit_throttled(*state, sink);
      return;
    }
    // No firmware node (or a broken one): the hwmon alarm still tells under-voltage now.
    part(problems, [&] {
      if (const auto alarm = pi::read_undervoltage_alarm(env_))
        sink.gauge("hawatch_pi_undervoltage_now", kUndervoltageNowHelp, *alarm ? 1 : 0);
    });
  }

  static constexpr const char* kUndervoltageNowHelp =
      "Whether the supply is below the Pi's minimum now (firmware get_throttled bit 0, or the "
      "rpi_volt hwmon alarm).";

  static void emit_throttled(const pi::ThrottledState& s, MetricSink& sink) {
    sink.gauge("hawatch_pi_throttled_raw",
               "The firmware's get_throttled bitmask, as vcgencmd get_throttled prints it.",
               static_cast<double>(s.raw));
    // Names spelled out, not pasted together: a name a rule uses can be found with grep.
    struct Condition {
      ThrottleCondition bit;
      const char* now_name;
      const char* since_boot_name;
      const char* now_help;
      const char* since_boot_help;
    };
    static constexpr Condition kConditions[] = {
        {ThrottleCondition::under_voltage, "hawatch_pi_undervoltage_now",
         "hawatch_pi_undervoltage_since_boot", kUndervoltageNowHelp,
         "Whether the supply was below the Pi's minimum at any time since boot (bit 16)."},
        {ThrottleCondition::frequency_capped, "hawatch_pi_frequency_capped_now",
         "hawatch_pi_frequency_capped_since_boot",
         "Whether the firmware caps the ARM frequency now (get_throttled bit 1).",
         "Whether the firmware capped the ARM frequency at any time since boot (bit 17)."},
        {ThrottleCondition::throttled, "hawatch_pi_throttled_now",
         "hawatch_pi_throttled_since_boot",
         "Whether the firmware throttles the CPU now (get_throttled bit 2).",
         "Whether the firmware throttled the CPU at any time since boot (bit 18)."},
        {ThrottleCondition::soft_temp_limit, "hawatch_pi_soft_temp_limit_now",
         "hawatch_pi_soft_temp_limit_since_boot",
         "Whether the soft temperature limit is active now (get_throttled bit 3).",
         "Whether the soft temperature limit was reached at any time since boot (bit 19)."},
    };
    for (const auto& c : kConditions) {
      sink.gauge(c.now_name, c.now_help, s.now(c.bit) ? 1 : 0);
      sink.gauge(c.since_boot_name, c.since_boot_help, s.since_boot(c.bit) ? 1 : 0);
    }
  }

  void cpu_frequency(MetricSink& sink, std::vector<CollectProblem>& problems) {
    std::vector<std::string> found;
    for (const auto& p : pi::read_cpufreq(env_, found)) {
      const Labels l{{"policy", p.policy}};
      if (p.current_hertz)
        sink.gauge("hawatch_pi_cpu_frequency_hertz",
                   "CPU frequency now (cpufreq scaling_cur_freq).", *p.current_hertz, l);
      if (p.limit_hertz)
        sink.gauge("hawatch_pi_cpu_frequency_max_hertz",
                   "The CPU frequency limit in force now (cpufreq scaling_max_freq).",
                   *p.limit_hertz, l);
      if (p.hardware_max_hertz)
        sink.gauge("hawatch_pi_cpu_frequency_hardware_max_hertz",
                   "The CPU's maximum frequency (cpufreq cpuinfo_max_freq).", *p.hardware_max_hertz,
                   l);
    }
    add(problems, found);
  }

  void storage(MetricSink& sink, std::vector<CollectProblem>& problems) {
    std::vector<std::string> found;
    for (const auto& d : pi::read_mmc_devices(env_, found)) {
      const Labels l{{"device", d.device}};
      sink.info("hawatch_pi_storage_info", "An eMMC or SD device and its card identity (CID).",
                {{"device", d.device},
                 {"manfid", d.manfid},
                 {"name", d.name},
                 {"oemid", d.oemid},
                 {"type", d.type}});
      if (d.readonly)
        sink.gauge("hawatch_pi_storage_readonly",
                   "Whether the block device is read-only (write-protected or failed card).",
                   *d.readonly ? 1 : 0, l);
      emit_life_time(d.device, "A", d.life_time_a, sink);
      emit_life_time(d.device, "B", d.life_time_b, sink);
      if (d.pre_eol)
        sink.gauge("hawatch_pi_storage_pre_eol_state",
                   "eMMC reserved-block consumption (PRE_EOL_INFO): 1 normal, 2 warning (80 % "
                   "used), 3 urgent.",
                   *d.pre_eol, l);
    }
    add(problems, found);
  }

  static void emit_life_time(const std::string& device, const char* kind,
                             const std::optional<unsigned>& estimate, MetricSink& sink) {
    if (!estimate) return;
    if (const auto ratio = pi::life_time_used_ratio(*estimate))
      sink.gauge("hawatch_pi_storage_life_time_ratio",
                 "eMMC estimated life used (DEVICE_LIFE_TIME_EST_TYP_A/B, upper end of the 10 % "
                 "step; 1.1 means beyond its estimated life).",
                 *ratio, {{"device", device}, {"kind", kind}});
  }

  void filesystems(MetricSink& sink, std::vector<CollectProblem>& problems) {
    const auto mounts = read_mounts();
    if (!mounts) return;  // no procfs mount table: nothing to say
    std::set<std::string> done;
    for (const auto& dir : opts_.data_directories) {
      std::error_code ec;
      if (!std::filesystem::exists(env_.root(dir), ec)) {
        if (opts_.explicit_data_directories)
          problems.push_back({"data directory " + env_.root(dir).string() + " does not exist"});
        continue;
      }
      const auto* m = mounts::mount_containing(mounts->entries, dir);
      if (!m) {
        problems.push_back({mounts->source + ": no mount holds " + dir});
        continue;
      }
      if (!done.insert(m->mountpoint).second) continue;
      sink.gauge("hawatch_pi_filesystem_readonly",
                 "Whether the filesystem holding a data directory is read-only (remounted after "
                 "errors, or its card write-protected).",
                 m->super_readonly ? 1 : 0, {{"mountpoint", m->mountpoint}});
    }
  }

  std::optional<mounts::MountTable> read_mounts() { return mounts::read_mount_table(env_, buf_); }

  void accelerators(MetricSink& sink) {
    for (const auto& device : opts_.accelerator_devices) {
      std::error_code ec;
      const auto st = std::filesystem::status(env_.root(device), ec);
      // A regular file counts too, so fixture trees can stand in for /dev (as plugins/hailo does).
      const bool present =
          !ec && (std::filesystem::is_character_file(st) || std::filesystem::is_regular_file(st));
      sink.gauge("hawatch_pi_accelerator_present",
                 "Whether the AI accelerator's device node exists (Hailo: /dev/hailo0).",
                 present ? 1 : 0, {{"device", device}});
    }
  }

  Environment env_;
  PiOptions opts_;
  std::string buf_;  // the mount table, reused between runs
};

bool pi_source_exists(const Environment& env) {
  if (pi::find_get_throttled(env) || pi::find_rpi_volt_hwmon(env)) return true;
  try {
    const auto model = read_model(env);
    return model && model->rfind("Raspberry Pi", 0) == 0;
  } catch (const std::exception&) {
    return false;
  }
}

std::optional<std::vector<std::string>> absolute_paths(MapReader& opts, const CollectorArgs& args,
                                                       const std::string& key) {
  auto paths = opts.string_list(key);
  if (!paths) return paths;
  for (const auto& entry : opts.node(key)) {
    if (!entry.IsScalar()) continue;  // already reported by string_list()
    const std::string& p = entry.Scalar();
    if (p.empty() || p.front() != '/')
      args.ctx.error(entry,
                     "\"" + args.where + "." + key + "\": \"" + p + "\" is not an absolute path");
  }
  return paths;
}

CollectorDescriptor pi_descriptor() {
  CollectorDescriptor d;
  d.name = "pi";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  d.source_exists = pi_source_exists;
  d.create = [](const CollectorArgs& args) -> std::unique_ptr<Collector> {
    MapReader opts(args.options, args.ctx, args.where);
    PiOptions o;
    if (auto dirs = absolute_paths(opts, args, "data_directories")) {
      o.data_directories = std::move(*dirs);
      o.explicit_data_directories = true;
    }
    if (auto devices = absolute_paths(opts, args, "accelerator_devices"))
      o.accelerator_devices = std::move(*devices);
    o.firmware_node = opts.boolean("firmware_node").value_or(true);
    opts.finish();
    return std::make_unique<PiCollector>(args.env, std::move(o));
  };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(pi, hawatch::pi_descriptor)
