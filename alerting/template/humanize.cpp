// Prometheus' template/template.go humanize functions, digit for digit: %.4g of the scaled value
// with an SI (or IEC) prefix.
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "functions.h"
#include "go_fmt.h"

namespace hawatch::tmpl::detail {
namespace {

std::string g4(double v) {
  return format_float(v, 'g', 4);
}

constexpr std::array<const char*, 8> kLarge{"k", "M", "G", "T", "P", "E", "Z", "Y"};
constexpr std::array<const char*, 8> kSmall{"m", "u", "n", "p", "f", "a", "z", "y"};
constexpr std::array<const char*, 8> kBinary{"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"};

std::string scale_down(double v, std::string suffix) {
  std::string prefix;
  for (const char* p : kSmall) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return g4(v) + prefix + suffix;
}

// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
}

}  // namespace

std::string humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return g4(v);
  if (std::fabs(v) >= 1) {
    std::string prefix;
    for (const char* p : kLarge) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return g4(v) + prefix;
  }
  return scale_down(v, "");
}

std::string humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return g4(v);
  std::string prefix;
  for (const char* p : kBinary) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return g4(v) + prefix;
}

std::string humanize_duration(double v) {
  if (std::isnan(v) || std::isinf(v)) return g4(v);
  if (v == 0) return g4(v) + "s";
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) {
      sign = "-";
      v = -v;
    }
    // Go's int64(v) of a float past the int64 range is the minimum int64 on amd64.
    const std::int64_t duration =
        v < 9.2233720368547758e18 ? static_cast<std::int64_t>(v) : INT64_MIN;
    const std::int64_t seconds = duration % 60;
    const std::int64_t minutes = (duration / 60) % 60;
    const std::int64_t hours = (duration / 60 / 60) % 24;
    const std::int64_t days = duration / 60 / 60 / 24;
    const auto n = [](std::int64_t x) { return std::to_string(x); };
    if (days != 0)
      return sign + n(days) + "d " + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s";
    if (hours != 0) return sign + n(hours) + "h " + n(minutes) + "m " + n(seconds) + "s";
    if (minutes != 0) return sign + n(minutes) + "m " + n(seconds) + "s";
    return sign + g4(v) + "s";
  }
  return scale_down(v, "s");
}

std::string humanize_percentage(double v) {
  return g4(v * 100) + "%";
}

std::string humanize_timestamp(double v) {
  if (std::isnan(v) || std::isinf(v)) return g4(v);
  // model.TimeFromUnixNano(int64(v * 1e9)) keeps milliseconds only; then time.Time's String().
  const double ns_f = v * 1e9;
  if (ns_f > 9.2233720368547758e18 || ns_f < -9.2233720368547758e18)
    throw CallError(format_float_v(v) +
                    " cannot be represented as a nanoseconds timestamp since it overflows int64");
  // Exactly 2^63 passes Go's check and converts to the minimum int64 on amd64.
  const std::int64_t ns =
      ns_f < 9.2233720368547758e18 ? static_cast<std::int64_t>(ns_f) : INT64_MIN;
  const std::int64_t ms = ns / 1'000'000;
  std::int64_t secs = ms / 1000;
  std::int64_t frac_ms = ms % 1000;
  if (frac_ms < 0) {
    frac_ms += 1000;
    secs -= 1;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  std::int64_t year;
  unsigned month, day;
  civil_from_days(days, year, month, day);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld",
                static_cast<long long>(year), month, day, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  std::string out = buf;
  if (frac_ms != 0) {
    std::string f = std::to_string(frac_ms + 1000).substr(1);
    while (f.back() == '0') f.pop_back();
    out += "." + f;
  }
  return out + " +0000 UTC";
}

}  // namespace hawatch::tmpl::detail
