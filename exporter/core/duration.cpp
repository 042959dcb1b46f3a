#include "duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace hawatch {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t millis;
};

// Longest suffix first so "ms" is not read as "m" followed by garbage; order also fixes the
// required sequence (Prometheus rejects "5s1m").
constexpr std::array<Unit, 7> kUnits{{{"y", 365LL * 24 * 3600 * 1000},
                                      {"w", 7LL * 24 * 3600 * 1000},
                                      {"d", 24LL * 3600 * 1000},
                                      {"h", 3600LL * 1000},
                                      {"ms", 1},
                                      {"m", 60LL * 1000},
                                      {"s", 1000}}};

// Prometheus keeps durations in nanoseconds (time.Duration) and calls longer ones "out of range":
// (2^63 - 1) ns, about 292 years. The same limit here, so that a config hawatch accepts is one
// Prometheus tools accept.
constexpr std::int64_t kMaxMillis = std::numeric_limits<std::int64_t>::max() / 1'000'000;

// Rank in the order units must appear: y w d h m s ms.
int rank_of(std::string_view suffix) {
  static constexpr std::array<std::string_view, 7> kOrder{"y", "w", "d", "h", "m", "s", "ms"};
  for (std::size_t i = 0; i < kOrder.size(); ++i)
    if (kOrder[i] == suffix) return static_cast<int>(i);
  return -1;
}

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text, std::string* error) {
  // Built by appending: `"\"" + std::string(text)` trips GCC 12's -Wrestrict false positive
  // (GCC bug 105329) at -O3, which -Werror turns into a failed Release build.
  std::string quoted = "\"";
  quoted.append(text);
  quoted += '"';
  if (text.empty()) {
    fail(error, "empty duration");
    return std::nullopt;
  }
  if (text == "0") return Duration{0};

  std::int64_t total = 0;
  int last_rank = -1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::int64_t number = 0;
    const std::size_t digits_start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      // Exact bound for this digit: a fixed "- 9" would reject numbers that still fit.
      const int digit = text[pos] - '0';
      if (number > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
        fail(error, "duration " + quoted + " is out of range");
        return std::nullopt;
      }
      number = number * 10 + digit;
      ++pos;
    }
    if (pos == digits_start) {
      fail(error, "not a valid duration " + quoted + " (use e.g. 500ms, 10s, 1h30m)");
      return std::nullopt;
    }
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(pos, u.suffix.size()) == u.suffix) {
        unit = &u;
        break;
      }
    }
    if (!unit) {
      fail(error, "not a valid duration " + quoted + " (unit must be one of ms, s, m, h, d, w, y)");
      return std::nullopt;
    }
    const int rank = rank_of(unit->suffix);
    if (rank <= last_rank) {
      fail(error, "not a valid duration " + quoted + " (units must go from largest to smallest)");
      return std::nullopt;
    }
    last_rank = rank;
    pos += unit->suffix.size();
    if (number > (kMaxMillis - total) / unit->millis) {
      fail(error, "duration " + quoted + " is out of range");
      return std::nullopt;
    }
    total += number * unit->millis;
  }
  return Duration{total};
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (std::string_view suffix : {"y", "w", "d", "h", "m", "s", "ms"}) {
    for (const Unit& u : kUnits) {
      if (u.suffix != suffix) continue;
      if (ms >= u.millis) {
        out += std::to_string(ms / u.millis);
        out += suffix;
        ms %= u.millis;
      }
    }
  }
  return out;
}

}  // namespace hawatch
