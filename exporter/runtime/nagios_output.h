#pragma once
// Nagios plugin output (the protocol every Nagios/Icinga/Naemon check speaks), as a pure parser:
//   exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (anything else is UNKNOWN with a reason)
//   first line:  TEXT [| PERFDATA]
//   more lines:  LONG TEXT [| PERFDATA, continuing on the following lines]
//   PERFDATA:    'label'=value[UOM];[warn];[crit];[min];[max]   (space separated)
//   warn/crit:   Nagios ranges [@][start:][end], start "~" = -infinity
// Values are converted to base units (s/ms/us -> seconds, B/KB/MB/GB/TB -> bytes, % -> ratio,
// c -> counter) so they become Prometheus metrics directly.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::plugins {

enum class PerfUnit { none, seconds, bytes, ratio, counter };

// A Nagios threshold range: alert when the value is outside [start, end] (inside when `inside`).
struct NagiosRange {
  double start = 0;
  double end = 0;  // +infinity when open
  bool inside = false;
};

struct PerfDatum {
  std::string label;
  std::string uom;  // as written
  PerfUnit unit = PerfUnit::none;
  double value = 0;  // in base units
  std::optional<NagiosRange> warning;  // in base units
  std::optional<NagiosRange> critical;
  std::optional<double> min;
  std::optional<double> max;
};

struct NagiosOutput {
  int status = 3;      // 0..3
  std::string reason;  // why the status is UNKNOWN when the exit code was out of range
  std::string summary;    // first line's text, without perfdata
  std::string long_text;  // further lines' text, without perfdata
  std::vector<PerfDatum> perfdata;
  // Perfdata items that could not be read ("item 'x=abc': value is not a number"); the rest are kept.
  std::vector<std::string> problems;
};

// Parses one check result. Never throws on any input.
NagiosOutput parse_nagios_output(int exit_code, std::string_view output);

// Bounds on what one check result keeps, whatever its size: real plugins print tens of items.
inline constexpr std::size_t kMaxPerfdataItems = 1000;
inline constexpr std::size_t kMaxPerfdataProblems = 20;

// Parses the perfdata part (after '|'), appending to `out` and `problems` up to the bounds above;
// returns how many items and problems were beyond them.
std::size_t parse_perfdata(std::string_view text, std::vector<PerfDatum>& out,
                           std::vector<std::string>& problems);

// "10", "10:", "~:10", "10:20", "@10:20"; nullopt when malformed. Empty text is also nullopt.
std::optional<NagiosRange> parse_nagios_range(std::string_view text);

const char* perf_unit_name(PerfUnit unit);  // "", "seconds", "bytes", "ratio", "total"
const char* nagios_status_name(int status);  // "OK", "WARNING", "CRITICAL", "UNKNOWN"

}  // namespace hawatch::plugins
