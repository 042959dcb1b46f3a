// Prometheus durations, read from config files, rule files and the alerting API. hawatch has three
// readers of the syntax (exporter/core for the config, alerting/promql for PromQL, alerting/rules
// for rule files), which must agree with each other on every input; a duration that parses
// formats to a spelling that parses back to it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/duration.h"
#include "promql/duration.h"
#include "rules/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto core = hawatch::parse_duration(text, &error);
  const auto promql = hawatch::promql::parse_duration_ms(text);
  const auto rules = hawatch::rules::parse_duration(text);
  if (core.has_value() != promql.has_value() || core.has_value() != rules.has_value())
    __builtin_trap();
  if (!core) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  if (core->count() < 0 || core->count() != *promql || core->count() != rules->count())
    __builtin_trap();
  if (hawatch::parse_duration(hawatch::format_duration(*core)) != core) __builtin_trap();
  if (hawatch::rules::parse_duration(hawatch::rules::format_duration(*rules)) != rules)
    __builtin_trap();
  (void)hawatch::rules::format_go_duration(*rules);
  return 0;
}
