#include "model/alert.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "model/utf8.h"

namespace hawatch::alerting {

namespace {
constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;
constexpr unsigned char kSeparator = 0xff;

std::uint64_t fnv_add(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}
std::uint64_t fnv_add_byte(std::uint64_t h, unsigned char c) {
  h ^= c;
  return h * kFnvPrime;
}
}  // namespace

Fingerprint fingerprint(const LabelSet& labels) {
  std::uint64_t h = kFnvOffset;
  for (const auto& [name, value] : labels) {  // std::map: already sorted by name
    h = fnv_add_byte(fnv_add(h, name), kSeparator);
    h = fnv_add_byte(fnv_add(h, value), kSeparator);
  }
  return h;
}

std::string format_fingerprint(Fingerprint fp) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fp));
  return buf;
}

std::string_view to_string(AlertStatus status) {
  return status == AlertStatus::firing ? "firing" : "resolved";
}

Alert merge_alerts(const Alert& a, const Alert& b, Time now) {
  const Alert& older = b.updated_at < a.updated_at ? b : a;
  const Alert& younger = b.updated_at < a.updated_at ? a : b;
  Alert result = younger;
  if (older.starts_at < younger.starts_at) result.starts_at = older.starts_at;
  if (younger.resolved_at(now)) {
    if (older.resolved_at(now) && older.ends_at > younger.ends_at) result.ends_at = older.ends_at;
  } else if (older.ends_at > younger.ends_at && !older.timeout) {
    result.ends_at = older.ends_at;
  }
  return result;
}

bool overlaps(const Alert& existing, const Alert& incoming) {
  return (incoming.ends_at > existing.starts_at && incoming.ends_at < existing.ends_at) ||
         (incoming.starts_at > existing.starts_at && incoming.starts_at < existing.ends_at);
}

std::string format_label_set(const LabelSet& labels) {
  std::vector<std::string> parts;
  parts.reserve(labels.size());
  for (const auto& [name, value] : labels) parts.push_back(name + "=" + go_quote(value));
  std::sort(parts.begin(), parts.end());  // Go sorts the "name=value" strings, not the names
  std::string out = "{";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += ", ";
    out += parts[i];
  }
  return out + "}";
}

std::string format_rfc3339(Time t) {
  if (t == Time{}) return "0001-01-01T00:00:00Z";
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::int64_t secs = ns / 1'000'000'000;
  std::int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac) {
    char fbuf[16];
    std::snprintf(fbuf, sizeof fbuf, ".%09lld", static_cast<long long>(frac));
    std::string f = fbuf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

namespace {
constexpr std::int64_t kMaxUnixSeconds = 7'258'118'400;  // 2200-01-01T00:00:00Z
}  // namespace

std::optional<Time> parse_rfc3339(std::string_view s) {
  auto digits = [&](std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (!digits(0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(5, 2, month) || s[7] != '-' ||
      !digits(8, 2, day) || s[10] != 'T' || !digits(11, 2, hour) || s[13] != ':' ||
      !digits(14, 2, minute) || s[16] != ':' || !digits(17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++n;
      ++pos;
    }
    if (n == 0) return std::nullopt;
    for (int k = n; k < 9; ++k) nanos *= 10;
  }
  int offset = 0;
  if (pos < s.size() && s[pos] == 'Z') {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 60 + om) * 60 * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset;
  // 1970 to 2200: nanosecond time points end in 2262, and later arithmetic (ends_at + a
  // retention) must not overflow either.
  if (secs < 0 || secs > kMaxUnixSeconds) return std::nullopt;
  return Time{std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(secs) +
                                                          std::chrono::nanoseconds(nanos))};
}

std::optional<Time> time_from_unix_ms(std::int64_t ms) {
  if (ms < 0 || ms > kMaxUnixSeconds * 1000) return std::nullopt;
  return Time{std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(ms))};
}

bool alert_before(const Alert& a, const Alert& b) {
  for (const char* key : {"job", "instance"}) {
    auto ai = a.labels.find(std::string_view(key));
    auto bi = b.labels.find(std::string_view(key));
    const bool ahas = ai != a.labels.end();
    const bool bhas = bi != b.labels.end();
    if (!ahas && !bhas) continue;
    if (!ahas) return false;
    if (!bhas) return true;
    if (ai->second != bi->second) return ai->second < bi->second;
  }
  return a.labels < b.labels;
}

}  // namespace hawatch::alerting
