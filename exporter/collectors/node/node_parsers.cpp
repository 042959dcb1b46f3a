#include "node_parsers.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

#include "core/file_io.h"
#include "core/parse.h"

namespace hawatch::node {

LoadAverage parse_loadavg(std::string_view text) {
  // "0.12 0.34 0.56 1/234 5678"
  const auto fields = split_fields(trim(text));
  if (fields.size() < 3) throw ParseError("loadavg", "expected 3 load averages, got \"" +
                                                         std::string(trim(text).substr(0, 64)) + "\"");
  LoadAverage out;
  double* targets[] = {&out.load1, &out.load5, &out.load15};
  for (int i = 0; i < 3; ++i) {
    auto v = to_double(fields[static_cast<std::size_t>(i)]);
    if (!v || *v < 0)
      throw ParseError("loadavg", "not a load average: \"" + std::string(fields[static_cast<std::size_t>(i)]) + "\"");
    *targets[i] = *v;
  }
  return out;
}

MemoryInfo parse_meminfo(std::string_view text) {
  std::optional<double> total, available, free, buffers, cached;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const auto key = line.substr(0, colon);
    std::optional<double>* target = key == "MemTotal"       ? &total
                                    : key == "MemAvailable" ? &available
                                    : key == "MemFree"      ? &free
                                    : key == "Buffers"      ? &buffers
                                    : key == "Cached"       ? &cached
                                                            : nullptr;
    if (!target) return;
    // The kernel always prints these as "<integer> kB". Anything else is a damaged or truncated
    // file ("MemAvailable:   33" cut mid-number), which must not pass as a value in bytes.
    const auto fields = split_fields(line.substr(colon + 1));
    const auto kb = fields.size() == 2 && fields[1] == "kB" ? to_uint64(fields[0]) : std::nullopt;
    if (!kb)
      throw ParseError("meminfo", "malformed line: \"" + std::string(trim(line).substr(0, 64)) + "\"");
    *target = static_cast<double>(*kb) * 1024;
  });
  if (!total) throw ParseError("meminfo", "no MemTotal line");
  MemoryInfo out;
  out.total_bytes = *total;
  if (available) {
    out.available_bytes = *available;
  } else if (free && buffers && cached) {
    out.available_bytes = *free + *buffers + *cached;
  } else {
    throw ParseError("meminfo", "neither MemAvailable nor MemFree/Buffers/Cached");
  }
  return out;
}

std::int64_t parse_boot_time(std::string_view proc_stat) {
  std::optional<std::int64_t> btime;
  bool malformed = false;
  for_each_line(proc_stat, [&](std::string_view line) {
    if (line.substr(0, 6) != "btime ") return;
    btime = to_int64(line.substr(6));
    malformed = !btime;
  });
  if (malformed) throw ParseError("stat", "malformed btime line");
  if (!btime) throw ParseError("stat", "no btime line");
  return *btime;
}

double parse_millidegrees(std::string_view text, std::string_view source) {
  auto v = to_int64(text);
  if (!v) throw ParseError(source, "not a temperature in millidegrees: \"" +
                                       std::string(trim(text).substr(0, 32)) + "\"");
  return static_cast<double>(*v) / 1000.0;
}

std::vector<ThermalZone> read_thermal_zones(const Environment& env,
                                            std::vector<std::string>& problems) {
  std::vector<ThermalZone> zones;
  const auto dir = env.sys("class/thermal");
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return zones;  // no thermal class: nothing to report, not an error
  std::vector<std::filesystem::path> entries;
  for (const auto& entry : it) {
    const auto name = entry.path().filename().string();
    if (name.rfind("thermal_zone", 0) == 0) entries.push_back(entry.path());
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& path : entries) {
    ThermalZone zone;
    zone.zone = path.filename().string().substr(12);
    try {
      zone.type = std::string(trim(read_attribute(path / "type")));
      zone.celsius = parse_millidegrees(read_attribute(path / "temp"), (path / "temp").string());
      zones.push_back(std::move(zone));
    } catch (const IoError& e) {
      // Some zones (e.g. disabled ACPI zones) refuse reads with EINVAL/ENODATA; that is normal.
      if (e.error_code() != EINVAL && e.error_code() != ENODATA && e.error_code() != EAGAIN)
        problems.push_back(e.what());
    } catch (const std::exception& e) {
      problems.push_back(e.what());
    }
  }
  return zones;
}

TimeSync time_sync_from_timex(const struct timex& tx, int adjtimex_state) {
  TimeSync out;
  out.synced = adjtimex_state != TIME_ERROR && !(tx.status & STA_UNSYNC);
  out.estimated_error_seconds = static_cast<double>(tx.esterror) / 1e6;
  out.max_error_seconds = static_cast<double>(tx.maxerror) / 1e6;
  // offset is in microseconds, or nanoseconds when STA_NANO is set.
  const double unit = (tx.status & STA_NANO) ? 1e9 : 1e6;
  out.offset_seconds = static_cast<double>(tx.offset) / unit;
  return out;
}

std::optional<FilesystemUsage> stat_filesystem(const Environment& env, const std::string& mountpoint,
                                               std::optional<IoError>& error) {
  const auto path = env.root(mountpoint);
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0) {
    error.emplace(path, errno);
    return std::nullopt;
  }
  FilesystemUsage out;
  out.mountpoint = mountpoint;
  const double frsize = static_cast<double>(st.f_frsize ? st.f_frsize : st.f_bsize);
  out.size_bytes = static_cast<double>(st.f_blocks) * frsize;
  out.avail_bytes = static_cast<double>(st.f_bavail) * frsize;
  out.readonly = (st.f_flag & ST_RDONLY) != 0;
  return out;
}

}  // namespace hawatch::node
