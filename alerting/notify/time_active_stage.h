#pragma once
// A route with active_time_intervals notifies only inside them.

#include "notify/stage.h"
#include "timeinterval/time_interval.h"

namespace hawatch::alerting {

class TimeActiveStage : public Stage {
 public:
  explicit TimeActiveStage(const TimeIntervals& intervals) : intervals_(intervals) {}
  std::string_view name() const override { return "time-active"; }
  StageStatus exec(NotifyContext& ctx, std::vector<Alert>& alerts) override {
    if (!ctx.active_time_intervals.empty() &&
        !in_time_intervals(intervals_, ctx.active_time_intervals, ctx.now)) {
      alerts.clear();
    }
    return {};
  }

 private:
  const TimeIntervals& intervals_;
};

}  // namespace hawatch::alerting
