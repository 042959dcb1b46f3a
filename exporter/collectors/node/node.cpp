// node: load, memory, filesystems, temperatures, boot time and clock sync — the health of the Pi.

#include <sys/timex.h>

#include "collectors/shared/mountinfo.h"
#include "core/collector.h"
#include "core/file_io.h"
#include "node_parsers.h"

namespace hawatch {
namespace {

// Where AMSLPR/VisiGate keep data, across releases; each is watched when it exists.
const std::vector<std::string> kDefaultMountpoints{"/", "/var/lib/amslpr", "/var/lib/visigate",
                                                   "/opt/amslpr", "/opt/visigate", "/mnt/backup"};

class NodeCollector final : public Collector {
 public:
  NodeCollector(const Environment& env, std::vector<std::string> mountpoints, bool explicit_list)
      : env_(env), mountpoints_(std::move(mountpoints)), explicit_list_(explicit_list) {}

  void collect(const CollectContext&, MetricSink& sink,
               std::vector<CollectProblem>& problems) override {
    part(problems, [&] { load(sink); });
    part(problems, [&] { memory(sink); });
    part(problems, [&] { boot_time(sink); });
    part(problems, [&] { time_sync(sink); });
    filesystems(sink, problems);
    temperatures(sink, problems);
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

  void load(MetricSink& sink) {
    read_into(env_.proc("loadavg"));
    const auto l = node::parse_loadavg(buf_);
    sink.gauge("hawatch_node_load1", "1-minute load average.", l.load1);
    sink.gauge("hawatch_node_load5", "5-minute load average.", l.load5);
    sink.gauge("hawatch_node_load15", "15-minute load average.", l.load15);
  }

  void memory(MetricSink& sink) {
    read_into(env_.proc("meminfo"));
    const auto m = node::parse_meminfo(buf_);
    sink.gauge("hawatch_node_memory_total_bytes", "Total usable memory.", m.total_bytes);
    sink.gauge("hawatch_node_memory_available_bytes",
               "Memory available for new work without swapping (MemAvailable).", m.available_bytes);
  }

  void boot_time(MetricSink& sink) {
    read_into(env_.proc("stat"));
    sink.gauge("hawatch_node_boot_time_seconds", "Boot time, in seconds since the epoch.",
               static_cast<double>(node::parse_boot_time(buf_)));
  }

  void time_sync(MetricSink& sink) {
    struct timex tx {};
    const int state = ::adjtimex(&tx);
    if (state < 0) throw IoError("adjtimex", errno);
    const auto t = node::time_sync_from_timex(tx, state);
    sink.gauge("hawatch_node_time_synced", "Whether the kernel clock is synchronised (NTP/PTP).",
               t.synced ? 1 : 0);
    sink.gauge("hawatch_node_time_error_seconds", "Estimated clock error reported by the kernel.",
               t.estimated_error_seconds);
    sink.gauge("hawatch_node_time_max_error_seconds", "Maximum clock error reported by the kernel.",
               t.max_error_seconds);
    sink.gauge("hawatch_node_time_offset_seconds", "Clock offset being corrected by the kernel.",
               t.offset_seconds);
  }

  void filesystems(MetricSink& sink, std::vector<CollectProblem>& problems) {
    // statvfs reports the per-mount read-only flag, which a sandbox sets too (systemd's
    // ProtectSystem=strict makes hawatch's own view of / read-only). Whether the filesystem
    // itself went read-only is the superblock flag in the mount table; statvfs is the fallback
    // where no table can be read.
    std::optional<mounts::MountTable> table;
    try {
      table = mounts::read_mount_table(env_, buf_);
    } catch (const std::exception& e) {
      problems.push_back({e.what()});
    }
    for (const auto& mp : mountpoints_) {
      std::optional<IoError> error;
      const auto fs = node::stat_filesystem(env_, mp, error);
      if (!fs) {
        // Default AMSLPR paths that do not exist on this install are skipped quietly.
        if (explicit_list_ || mp == "/" || !error->not_found()) problems.push_back({error->what()});
        continue;
      }
      const Labels l{{"mountpoint", mp}};
      sink.gauge("hawatch_node_filesystem_size_bytes", "Filesystem size.", fs->size_bytes, l);
      sink.gauge("hawatch_node_filesystem_avail_bytes", "Filesystem space available to non-root users.",
                 fs->avail_bytes, l);
      sink.gauge("hawatch_node_filesystem_readonly",
                 "Whether the filesystem is mounted read-only (an SD card in trouble often is).",
                 readonly(table, mp, fs->readonly) ? 1 : 0, l);
    }
  }

  static bool readonly(const std::optional<mounts::MountTable>& table, const std::string& mountpoint,
                       bool statvfs_readonly) {
    if (!table) return statvfs_readonly;
    const auto* m = mounts::mount_containing(table->entries, mountpoint);
    return m ? m->super_readonly : statvfs_readonly;
  }

  void temperatures(MetricSink& sink, std::vector<CollectProblem>& problems) {
    std::vector<std::string> zone_problems;
    for (const auto& z : node::read_thermal_zones(env_, zone_problems)) {
      sink.gauge("hawatch_node_temperature_celsius", "Thermal zone temperature (the Pi's CPU is zone 0).",
                 z.celsius, {{"type", z.type}, {"zone", z.zone}});
    }
    for (auto& p : zone_problems) problems.push_back({std::move(p)});
  }

  void read_into(const std::filesystem::path& path) {
    int err = 0;
    if (!read_file_into(path, buf_, err)) throw IoError(path, err);
  }

  Environment env_;
  std::vector<std::string> mountpoints_;
  bool explicit_list_;
  std::string buf_;  // reused between runs: no allocation per read once warm
};

CollectorDescriptor node_descriptor() {
  CollectorDescriptor d;
  d.name = "node";
  d.default_enablement = Enablement::on;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  d.create = [](const CollectorArgs& args) -> std::unique_ptr<Collector> {
    MapReader opts(args.options, args.ctx, args.where);
    auto mountpoints = opts.string_list("mountpoints");
    opts.finish();
    if (mountpoints) {
      // Walk the YAML entries rather than the strings so the error points at the bad entry, not
      // at the start of a list that may span many lines.
      for (const auto& entry : opts.node("mountpoints")) {
        if (!entry.IsScalar()) continue;  // already reported by string_list()
        const std::string& mp = entry.Scalar();
        if (mp.empty() || mp.front() != '/')
          args.ctx.error(
              entry, "\"" + args.where + ".mountpoints\": \"" + mp + "\" is not an absolute path");
      }
    }
    const bool explicit_list = mountpoints.has_value();
    return std::make_unique<NodeCollector>(args.env, mountpoints.value_or(kDefaultMountpoints),
                                           explicit_list);
  };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(node, hawatch::node_descriptor)
