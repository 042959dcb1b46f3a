#pragma once
// The pure parts of the systemd collector: which units to watch (regexes and the server-side glob
// patterns derived from them), unit states, and counting failures from state changes. No D-Bus here.

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::systemd {

// What an AMSLPR node runs; services only.
inline constexpr std::string_view kDefaultInclude =
    R"((amslpr|visigate|visiongate|nginx|redis-server|litestream|keepalived|apcupsd|nut-server|nut-monitor|postgresql.*|mariadb)\.service)";

// ActiveState values, one hawatch_systemd_unit_state series each (contract order).
inline constexpr std::string_view kActiveStates[] = {"active",   "activating", "deactivating",
                                                      "inactive", "failed",     "reloading"};
// LoadState values, one hawatch_systemd_unit_load_state series each.
inline constexpr std::string_view kLoadStates[] = {"loaded", "not-found", "bad-setting", "error",
                                                    "masked"};

// Server-side glob patterns (ListUnitsByPatterns, fnmatch) that match at least every unit name the
// anchored regex matches; nullopt when the regex uses constructs this translation does not cover
// (then every unit is listed and the regex alone decides). Supported: literals, escapes of
// punctuation, \d, `.`, bracket classes, groups with alternation, and the quantifiers * + ?.
std::optional<std::vector<std::string>> globs_for_regex(std::string_view regex);

// Whether a glob is a plain unit name of a known unit type (no wildcards), e.g. "amslpr.service".
bool is_literal_unit_name(std::string_view glob);

// Why `pattern` is not a regex UnitFilter takes (RE2 syntax, as Go's regexp and so
// node_exporter's unit filters), or empty when it is one.
std::string regex_problem(const std::string& pattern);

// Which units the collector watches: anchored include and exclude regexes in RE2 syntax, matched
// in linear time (std::regex backtracks: ".***...*" from a config took seconds per unit name).
class UnitFilter {
 public:
  // Throws std::invalid_argument on an invalid regex. `report_missing`: whether unit names spelled out
  // in the include are read even when systemd has not loaded them (see literal_names()); off for
  // the default include, whose list names more services than any one node runs.
  UnitFilter(const std::string& include, const std::optional<std::string>& exclude,
             bool report_missing = true);

  bool selects(const std::string& unit) const;
  // Patterns for ListUnitsByPatterns; empty means "all units".
  const std::vector<std::string>& patterns() const { return patterns_; }
  // Unit names spelled out in the include: read even when systemd has not loaded them, so that a
  // missing unit shows as load state "not-found" rather than not at all.
  const std::vector<std::string>& literal_names() const { return literal_names_; }

 private:
  // shared_ptr: RE2 is neither copyable nor movable, the filter is both.
  std::shared_ptr<const re2::RE2> include_;
  std::shared_ptr<const re2::RE2> exclude_;  // null: no exclude
  std::vector<std::string> patterns_;
  std::vector<std::string> literal_names_;
};

// The properties the collector reads for one unit: the states from one GetAll (one consistent
// view), the service counters from separate Gets.
struct UnitProperties {
  std::string name;
  std::string load_state;
  std::string active_state;
  std::string sub_state;
  std::uint64_t active_enter_usec = 0;  // realtime µs; 0 = never entered
  // Service-only or accounting-dependent values: absent when systemd does not report them
  // (UINT64_MAX on the bus).
  std::optional<std::uint32_t> n_restarts;
  std::optional<std::uint64_t> memory_current_bytes;
  std::optional<std::uint64_t> tasks_current;
  std::optional<std::uint64_t> cpu_usage_nsec;
};

// systemd's "not set" value for unsigned properties.
std::optional<std::uint64_t> unless_unset(std::uint64_t value);

// Counts each change of a unit's ActiveState into "failed". Fed with PropertiesChanged signals
// (every change, also one that is over before the next scrape) and seeded from full reads, so that
// a unit that is already failed when first seen is not counted.
class FailureCounter {
 public:
  // A state announced by a PropertiesChanged signal.
  void on_signal(const std::string& unit, const std::string& active_state);
  // A state read by a full collection; only sets the starting point of units not yet known.
  void on_read(const std::string& unit, const std::string& active_state);
  std::uint64_t failures(const std::string& unit) const;

 private:
  struct Entry {
    std::string last_state;
    std::uint64_t failures = 0;
  };
  std::map<std::string, Entry, std::less<>> units_;
};

}  // namespace hawatch::systemd
