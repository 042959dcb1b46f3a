// libFuzzer target for the Nagios output / perfdata parser and the Prometheus text parser (both
// read untrusted output of exec checks). The first byte picks the exit code.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/nagios_output.h"
#include "core/prom_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int exit_code = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto out = hawatch::plugins::parse_nagios_output(exit_code, text);
  for (const auto& d : out.perfdata) {
    // Invariants: ranges are ordered, a status is always 0..3.
    if (d.warning && !(d.warning->start <= d.warning->end)) __builtin_trap();
    if (d.critical && !(d.critical->start <= d.critical->end)) __builtin_trap();
  }
  if (out.status < 0 || out.status > 3) __builtin_trap();
  // What one result keeps is bounded whatever its size (issue 18).
  if (out.perfdata.size() > hawatch::plugins::kMaxPerfdataItems) __builtin_trap();
  if (out.problems.size() > hawatch::plugins::kMaxPerfdataProblems + 1) __builtin_trap();
  (void)hawatch::plugins::parse_nagios_range(text);
  auto prom = hawatch::plugins::parse_prometheus_text(text);
  for (const auto& e : prom.errors)
    if (e.line <= 0) __builtin_trap();
  if (prom.errors.size() > hawatch::plugins::kMaxListedErrors) __builtin_trap();
  return 0;
}
