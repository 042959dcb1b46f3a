#pragma once
// What the apcupsd and nut collectors read from a UPS, in one vocabulary: NUT's status flags and
// SI units. Both collectors fill a Reading and emit it the same way (ups_metrics.h), so dashboards
// and rules need not care which daemon watches a UPS. Pure data: no I/O, no prometheus types.

#include <array>
#include <bitset>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hawatch::ups {

// NUT's ups.status flags; every one is exposed as hawatch_ups_status{flag} 0/1, always.
enum Flag : std::size_t { OL, OB, LB, HB, RB, CHRG, DISCHRG, BYPASS, CAL, OFF, OVER, TRIM, BOOST, FSD };
inline constexpr std::array<std::string_view, 14> kFlagNames{
    "OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG", "BYPASS", "CAL", "OFF", "OVER", "TRIM", "BOOST", "FSD"};
using Flags = std::bitset<kFlagNames.size()>;

inline std::optional<Flag> flag_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kFlagNames.size(); ++i)
    if (kFlagNames[i] == name) return static_cast<Flag>(i);
  return std::nullopt;
}

struct Reading {
  bool up = false;
  // Short, stable reason when !up ("connection refused", "commlost", "data stale", ...): it becomes a
  // label value, so it must never carry free text such as addresses or server messages.
  std::string down_reason;
  Flags flags;
  std::optional<double> battery_charge_ratio;     // 0..1
  std::optional<double> battery_runtime_seconds;  // estimated runtime left
  std::optional<double> load_ratio;               // 0..1 of nominal
  std::optional<double> input_voltage_volts;
  std::optional<double> output_voltage_volts;
  std::optional<double> battery_voltage_volts;
  std::optional<double> on_battery_seconds;            // current time on battery, 0 on line
  std::optional<double> on_battery_seconds_total;      // apcupsd: cumulative since it started
  std::optional<double> transfers_total;               // apcupsd: transfers since it started
  std::optional<std::string> last_transfer_reason;
  std::optional<std::string> self_test_result;
  // NUT: every variable whose value is a number, by NUT name (battery.charge, ups.realpower, ...).
  std::vector<std::pair<std::string, double>> variables;
  // Status words/tokens that map onto no flag (NOBATT, SLAVE, ALARM, ...), for debugging.
  std::vector<std::string> unmapped_status;
};

inline Reading down(std::string reason) {
  Reading r;
  r.down_reason = std::move(reason);
  return r;
}

}  // namespace hawatch::ups
