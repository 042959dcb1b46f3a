#pragma once
// A route with mute_time_intervals does not notify inside them.

#include "notify/stage.h"
#include "timeinterval/time_interval.h"

namespace hawatch::alerting {

class TimeMuteStage : public Stage {
 public:
  explicit TimeMuteStage(const TimeIntervals& intervals) : intervals_(intervals) {}
  std::string_view name() const override { return "time-mute"; }
  StageStatus exec(NotifyContext& ctx, std::vector<Alert>& alerts) override {
    if (in_time_intervals(intervals_, ctx.mute_time_intervals, ctx.now)) alerts.clear();
    return {};
  }

 private:
  const TimeIntervals& intervals_;
};

}  // namespace hawatch::alerting
