#include "timeinterval/time_interval.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>

namespace hawatch::alerting {

namespace {

struct CivilTime {
  int year, month, day, weekday, minute_of_day, days_in_month;
};

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

CivilTime civil(Time t, const TimeZone& zone) {
  const std::int64_t secs =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  const std::time_t local = static_cast<std::time_t>(secs + zone.offset_at(secs));
  std::tm tm{};
  gmtime_r(&local, &tm);
  const int year = tm.tm_year + 1900, month = tm.tm_mon + 1;
  return {
      year, month, tm.tm_mday, tm.tm_wday, tm.tm_hour * 60 + tm.tm_min, days_in_month(year, month)};
}

bool in_any(const std::vector<InclusiveRange>& ranges, int v) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [&](const InclusiveRange& r) { return v >= r.begin && v <= r.end; });
}

bool day_matches(const std::vector<InclusiveRange>& ranges, const CivilTime& c) {
  for (const InclusiveRange& r : ranges) {
    int begin = r.begin < 0 ? c.days_in_month + r.begin + 1 : r.begin;
    int end = r.end < 0 ? c.days_in_month + r.end + 1 : r.end;
    if (begin > c.days_in_month) continue;  // the range starts after this month ends
    begin = std::clamp(begin, -c.days_in_month, c.days_in_month);
    end = std::clamp(end, -c.days_in_month, c.days_in_month);
    if (c.day >= begin && c.day <= end) return true;
  }
  return false;
}

}  // namespace

bool TimeInterval::contains(Time t) const {
  const CivilTime c = civil(t, *location);
  if (!times.empty() && std::none_of(times.begin(), times.end(), [&](const MinuteRange& r) {
        return c.minute_of_day >= r.start && c.minute_of_day < r.end;
      })) {
    return false;
  }
  if (!days_of_month.empty() && !day_matches(days_of_month, c)) return false;
  if (!months.empty() && !in_any(months, c.month)) return false;
  if (!weekdays.empty() && !in_any(weekdays, c.weekday)) return false;
  if (!years.empty() && !in_any(years, c.year)) return false;
  return true;
}

bool in_time_intervals(const TimeIntervals& intervals, const std::vector<std::string>& names,
                       Time t) {
  for (const std::string& name : names) {
    auto it = intervals.find(name);
    if (it == intervals.end()) continue;
    for (const TimeInterval& ti : it->second)
      if (ti.contains(t)) return true;
  }
  return false;
}

// ---- config -------------------------------------------------------------------------------------

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  if (!s.empty() && s.front() == '+') return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// A value or "begin:end"; `parse_one` maps one side to a number or nullopt.
template <typename F>
std::optional<InclusiveRange> parse_range(const std::string& text, F parse_one) {
  const auto colon = text.find(':');
  auto begin = parse_one(text.substr(0, colon));
  auto end = colon == std::string::npos ? begin : parse_one(text.substr(colon + 1));
  if (!begin || !end) return std::nullopt;
  return InclusiveRange{*begin, *end};
}

std::optional<int> parse_weekday(const std::string& s) {
  static const std::array<const char*, 7> kNames{"sunday",   "monday", "tuesday", "wednesday",
                                                 "thursday", "friday", "saturday"};
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (lower(s) == kNames[i]) return static_cast<int>(i);
  return std::nullopt;
}

std::optional<int> parse_month(const std::string& s) {
  static const std::array<const char*, 12> kNames{"january",   "february", "march",    "april",
                                                  "may",       "june",     "july",     "august",
                                                  "september", "october",  "november", "december"};
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (lower(s) == kNames[i]) return static_cast<int>(i + 1);
  auto v = to_int(s);
  if (v && *v >= 1 && *v <= 12) return v;
  return std::nullopt;
}

std::optional<int> parse_clock(const std::string& s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  auto h = to_int(s.substr(0, 2));
  auto m = to_int(s.substr(3, 2));
  if (!h || !m || *h < 0 || *m < 0 || *m > 59 || *h > 24 || (*h == 24 && *m != 0)) {
    return std::nullopt;
  }
  return *h * 60 + *m;
}

class IntervalReader {
 public:
  IntervalReader(ConfigContext& ctx, std::string where) : ctx_(ctx), where_(std::move(where)) {}

  TimeInterval read(const YAML::Node& node) {
    MapReader m(node, ctx_, where_);
    TimeInterval ti;
    read_times(m.node("times"), ti);
    read_ranges(
        m, "weekdays", ti.weekdays, [](const std::string& s) { return parse_weekday(s); },
        "a weekday name or range such as monday:friday");
    read_ranges(m, "days_of_month", ti.days_of_month, parse_day, "a day -31..-1 or 1..31");
    read_ranges(m, "months", ti.months, parse_month, "a month 1..12 or its name");
    read_ranges(m, "years", ti.years, parse_year, "a year such as 2026");
    if (auto loc = m.string("location")) {
      try {
        ti.location = TimeZone::load(*loc);
      } catch (const std::exception& e) {
        ctx_.error(m.node("location"), where_ + ".location: " + e.what());
      }
    }
    m.finish();
    return ti;
  }

 private:
  static std::optional<int> parse_day(const std::string& s) {
    auto v = to_int(s);
    if (v && *v != 0 && *v >= -31 && *v <= 31) return v;
    return std::nullopt;
  }
  static std::optional<int> parse_year(const std::string& s) {
    auto v = to_int(s);
    if (v && *v > 0 && *v <= 9999) return v;
    return std::nullopt;
  }

  void read_times(const YAML::Node& list, TimeInterval& ti) {
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      ctx_.error(list, where_ + ".times must be a list");
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string at = where_ + ".times[" + std::to_string(i) + "]";
      MapReader m(list[i], ctx_, at);
      auto start = m.string("start_time");
      auto end = m.string("end_time");
      m.finish();
      // Plain ints, -1 for invalid: GCC 12 sees optionals here as maybe-uninitialised.
      const int s = start ? parse_clock(*start).value_or(-1) : -1;
      const int e = end ? parse_clock(*end).value_or(-1) : -1;
      if (s < 0 || e < 0) {
        ctx_.error(list[i], at + ": start_time and end_time must be HH:MM between 00:00 and 24:00");
      } else if (s >= e) {
        ctx_.error(list[i], at + ": start_time must be before end_time");
      } else {
        ti.times.push_back({s, e});
      }
    }
  }

  template <typename F>
  void read_ranges(MapReader& m, const std::string& key, std::vector<InclusiveRange>& out,
                   F parse_one, const std::string& expected) {
    YAML::Node list = m.node(key);
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
      ctx_.error(list, where_ + "." + key + " must be a list");
      return;
    }
    for (const auto& item : list) {
      auto r = item.IsScalar() ? parse_range(item.Scalar(), parse_one) : std::nullopt;
      const bool same_sign = r && ((r->begin > 0) == (r->end > 0));
      if (!r) {
        ctx_.error(item, where_ + "." + key + ": expected " + expected);
      } else if (same_sign && r->end < r->begin) {
        ctx_.error(item,
                   where_ + "." + key + ": range " + item.Scalar() + " ends before it begins");
      } else {
        out.push_back(*r);
      }
    }
  }

  ConfigContext& ctx_;
  std::string where_;
};

}  // namespace

void read_time_intervals(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                         TimeIntervals& out) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    ctx.error(list, where + " must be a list");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    MapReader m(list[i], ctx, at);
    auto name = m.string("name");
    YAML::Node intervals = m.node("time_intervals");
    m.finish();
    if (!name || name->empty()) {
      ctx.error(list[i], at + ": name is required");
      continue;
    }
    if (out.count(*name)) {
      ctx.error(list[i], at + ": time interval " + *name + " is defined twice");
      continue;
    }
    auto& dest = out[*name];
    if (!intervals.IsDefined() || intervals.IsNull()) continue;
    if (!intervals.IsSequence()) {
      ctx.error(intervals, at + ".time_intervals must be a list");
      continue;
    }
    for (std::size_t k = 0; k < intervals.size(); ++k) {
      dest.push_back(IntervalReader(ctx, at + ".time_intervals[" + std::to_string(k) + "]")
                         .read(intervals[k]));
    }
  }
}

}  // namespace hawatch::alerting
