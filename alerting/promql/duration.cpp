#include "duration.h"

#include <array>
#include <limits>

namespace hawatch::promql {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t millis;
};
constexpr std::int64_t kDay = 24 * 3600 * 1000LL;
constexpr std::array<Unit, 7> kUnits{{{"y", 365 * kDay},
                                      {"w", 7 * kDay},
                                      {"d", kDay},
                                      {"h", 3600 * 1000LL},
                                      {"m", 60 * 1000LL},
                                      {"s", 1000},
                                      {"ms", 1}}};

}  // namespace

std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t next_unit = 0;  // units must come in kUnits order, each at most once
  std::size_t pos = 0;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      const int digit = text[pos] - '0';
      if (number > (kMax - digit) / 10) return std::nullopt;
      number = number * 10 + digit;
      ++pos;
    }
    if (pos == digits_start) return std::nullopt;
    std::size_t unit_end = pos;
    while (unit_end < text.size() && (text[unit_end] < '0' || text[unit_end] > '9')) ++unit_end;
    const auto unit = text.substr(pos, unit_end - pos);
    std::size_t found = next_unit;
    while (found < kUnits.size() && kUnits[found].name != unit) ++found;
    if (found == kUnits.size()) return std::nullopt;
    if (number > kMaxDurationMs / kUnits[found].millis) return std::nullopt;
    const std::int64_t part = number * kUnits[found].millis;
    if (total > kMaxDurationMs - part) return std::nullopt;
    total += part;
    next_unit = found + 1;
    pos = unit_end;
  }
  return total;
}

}  // namespace hawatch::promql
