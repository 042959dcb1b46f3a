// The systemd collector's unit selection. Line 1 is the include regex and line 2 the exclude
// (empty: none), as the config gives them; every further line is a unit name as systemd lists it.
// The invariant is the one the collector's server-side listing relies on: every unit the regexes
// select is matched by one of the glob patterns sent to ListUnitsByPatterns (fnmatch, as systemd
// applies them), so no selected unit is missing from systemd's list.

#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "collectors/systemd/systemd_units.h"
#include "core/parse.h"

namespace {

// The config's regexes are short; long ones only measure std::regex, not the collector.
constexpr std::size_t kMaxRegex = 128;
// systemd's UNIT_NAME_MAX.
constexpr std::size_t kMaxUnitName = 255;

// What systemd lists: unit names are made of its VALID_CHARS plus '@' (unit_name_is_valid());
// anything else is listed escaped ("\x2d"). Other bytes would only compare RE2's UTF-8 "." (one
// character) with fnmatch's "?" in the C locale (one byte), for names that cannot occur.
bool systemd_lists(std::string_view name) {
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '-' || c == '_' ||
           c == '.' || c == '\\' || c == '@';
  });
}

std::string_view next_line(std::string_view& text) {
  const auto nl = text.find('\n');
  const auto line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string include(next_line(text));
  const std::string exclude(next_line(text));
  if (include.size() > kMaxRegex || exclude.size() > kMaxRegex) return 0;
  using namespace hawatch::systemd;
  (void)globs_for_regex(include);
  std::optional<UnitFilter> filter;
  try {
    filter.emplace(include, exclude.empty() ? std::nullopt : std::optional(exclude));
  } catch (const std::invalid_argument&) {
    return 0;
  }
  for (const auto& name : filter->literal_names())
    if (!is_literal_unit_name(name)) __builtin_trap();
  FailureCounter failures;
  hawatch::for_each_line(text, [&](std::string_view line) {
    if (line.empty() || line.size() > kMaxUnitName || !systemd_lists(line)) return;
    const std::string unit(line);
    // Counting from a read state: each change into "failed" counts once, a repeat does not.
    const auto before = failures.failures(unit);
    failures.on_read(unit, "active");
    failures.on_signal(unit, "active");
    failures.on_signal(unit, "failed");
    failures.on_signal(unit, "failed");
    if (failures.failures(unit) != before + 1) __builtin_trap();
    if (!filter->selects(unit) || filter->patterns().empty()) return;
    bool listed = false;
    for (const auto& glob : filter->patterns())
      listed = listed || ::fnmatch(glob.c_str(), unit.c_str(), FNM_NOESCAPE) == 0;
    if (!listed) __builtin_trap();
  });
  return 0;
}
