#pragma once
// Alertmanager's time intervals (timeinterval/): a named list of intervals, each a conjunction of
// times of day, weekdays, days of the month, months and years in a location; a list matches when
// any of its intervals does. Used by routes' mute_time_intervals / active_time_intervals.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "model/alert.h"
#include "timeinterval/time_zone.h"

namespace hawatch::alerting {

struct MinuteRange {
  int start = 0;  // minutes of the day, inclusive
  int end = 0;    // exclusive; 1440 is 24:00
};
struct InclusiveRange {
  int begin = 0;
  int end = 0;
};

struct TimeInterval {
  std::vector<MinuteRange> times;             // empty: any time of day
  std::vector<InclusiveRange> weekdays;       // 0 = Sunday, as Go
  std::vector<InclusiveRange> days_of_month;  // negative counts from the month's end (-1 = last)
  std::vector<InclusiveRange> months;         // 1..12
  std::vector<InclusiveRange> years;
  std::shared_ptr<const TimeZone> location = TimeZone::utc();

  bool contains(Time t) const;
};

using TimeIntervals = std::map<std::string, std::vector<TimeInterval>, std::less<>>;

// True when any interval of the named list contains `t`; unknown names are false (the config
// reader rejects routes naming unknown intervals).
bool in_time_intervals(const TimeIntervals& intervals, const std::vector<std::string>& names,
                       Time t);

// Reads the top-level `time_intervals:` list (and the older `mute_time_intervals:`, same shape):
// [{name: N, time_intervals: [{times: [{start_time: "09:00", end_time: "17:00"}],
//   weekdays: ["monday:friday"], days_of_month: ["1", "-3:-1"], months: ["jan:mar", "12"],
//   years: ["2025:2027"], location: "Europe/Berlin"}]}]
void read_time_intervals(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                         TimeIntervals& out);

}  // namespace hawatch::alerting
