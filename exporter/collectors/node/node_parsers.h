#pragma once
// Pure parsers for the node collector's sources: text in, structs out, ParseError on bad input.

#include <sys/timex.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/environment.h"
#include "core/file_io.h"

namespace hawatch::node {

struct LoadAverage {
  double load1 = 0, load5 = 0, load15 = 0;
};
LoadAverage parse_loadavg(std::string_view text);

struct MemoryInfo {
  double total_bytes = 0;
  double available_bytes = 0;
};
// Uses MemAvailable; on kernels older than 3.14 (no MemAvailable) falls back to
// MemFree + Buffers + Cached, which is what `free` did then.
MemoryInfo parse_meminfo(std::string_view text);

// The `btime` line of /proc/stat, in seconds since the epoch.
std::int64_t parse_boot_time(std::string_view proc_stat);

struct ThermalZone {
  std::string zone;  // "0" for thermal_zone0
  std::string type;  // e.g. "cpu-thermal" on a Raspberry Pi
  double celsius = 0;
};
// Sysfs `temp` holds millidegrees Celsius.
double parse_millidegrees(std::string_view text, std::string_view source);
// Reads every /sys/class/thermal/thermal_zone*; unreadable zones are returned in `problems`.
std::vector<ThermalZone> read_thermal_zones(const Environment& env, std::vector<std::string>& problems);

struct TimeSync {
  bool synced = false;
  double estimated_error_seconds = 0;
  double max_error_seconds = 0;
  double offset_seconds = 0;
};
// From adjtimex(2) with modes = 0 (read only; no privilege needed).
TimeSync time_sync_from_timex(const struct timex& tx, int adjtimex_state);

struct FilesystemUsage {
  std::string mountpoint;
  double size_bytes = 0;
  double avail_bytes = 0;
  bool readonly = false;
};
// statvfs() of the mountpoint seen through --path.rootfs; nullopt with `error` set when it fails.
// Not thrown: a default mountpoint missing on this install fails every run, and an exception per
// run costs the unwinder's pages and time for an expected outcome.
std::optional<FilesystemUsage> stat_filesystem(const Environment& env, const std::string& mountpoint,
                                               std::optional<IoError>& error);

}  // namespace hawatch::node
