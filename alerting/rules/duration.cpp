#include "duration.h"

#include <array>

#include "promql/duration.h"

namespace hawatch::rules {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t millis;
};
constexpr std::int64_t kSec = 1000;
constexpr std::int64_t kDay = 24 * 3600 * kSec;
// Longest names first within the same leading letter is not needed: "ms" is tried before "m" by
// checking the two-character unit first.
constexpr std::array<Unit, 7> kUnits{{{"y", 365 * kDay},
                                      {"w", 7 * kDay},
                                      {"d", kDay},
                                      {"h", 3600 * kSec},
                                      {"m", 60 * kSec},
                                      {"s", kSec},
                                      {"ms", 1}}};

}  // namespace

// One reader of the syntax for the whole alerting side (PromQL ranges and rule files alike).
std::optional<Millis> parse_duration(std::string_view text) {
  const auto ms = promql::parse_duration_ms(text);
  if (!ms) return std::nullopt;
  return Millis(*ms);
}

std::string format_duration(Millis d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (std::size_t u = 0; u < kUnits.size(); ++u) {
    const bool exact_only = u < 2;  // "90d" reads better than "12w6d"
    if (exact_only && ms % kUnits[u].millis != 0) continue;
    const std::int64_t v = ms / kUnits[u].millis;
    if (v > 0) {
      out += std::to_string(v);
      out += kUnits[u].name;
      ms -= v * kUnits[u].millis;
    }
  }
  return out;
}

std::string format_go_duration(Millis d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string sign;
  if (ms < 0) {
    sign = "-";
    ms = -ms;
  }
  if (ms < kSec) return sign + std::to_string(ms) + "ms";
  const std::int64_t hours = ms / (3600 * kSec);
  const std::int64_t minutes = ms / (60 * kSec) % 60;
  const std::int64_t millis = ms % (60 * kSec);
  std::string seconds = std::to_string(millis / kSec);
  if (millis % kSec != 0) {
    std::string frac = std::to_string(millis % kSec + kSec).substr(1);  // three digits
    while (frac.back() == '0') frac.pop_back();
    seconds += "." + frac;
  }
  std::string out = sign;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  return out + seconds + "s";
}

}  // namespace hawatch::rules
