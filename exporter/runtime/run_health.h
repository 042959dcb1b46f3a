#pragma once
// What every plugin and check reports about itself (hawatch_plugin_up, duration, last success,
// timeouts) and the bounded backoff of a failing one, shared by exec checks, .so plugins and the
// plugin host supervisor.

#include <chrono>
#include <cstdint>

#include "core/metric_sink.h"

namespace hawatch::plugins {

class RunHealth {
 public:
  using Clock = std::chrono::steady_clock;

  // `base` is the first retry delay (the unit's interval); `cap` bounds the doubling.
  RunHealth(std::chrono::milliseconds base, std::chrono::milliseconds cap) : base_(base), cap_(cap) {}

  // True while a failing unit waits for its next attempt.
  bool in_backoff(Clock::time_point now) const { return failures_ > 0 && now < retry_at_; }
  std::chrono::milliseconds backoff_left(Clock::time_point now) const;
  int consecutive_failures() const { return failures_; }

  void succeeded(double duration_seconds);
  void failed(double duration_seconds, bool timed_out, Clock::time_point now);
  void count_restart() { ++restarts_; }

  // hawatch_plugin_up / _duration_seconds / _last_success_timestamp_seconds / _timeouts_total /
  // _restarts_total (only when `with_restarts`), all with `labels`.
  void emit(MetricSink& sink, const Labels& labels, bool with_restarts = false) const;
  bool up() const { return up_; }

 private:
  std::chrono::milliseconds base_, cap_;
  bool up_ = false;
  int failures_ = 0;
  Clock::time_point retry_at_{};
  double duration_ = 0;
  double last_success_ = 0;  // unix seconds; 0 = never
  std::uint64_t timeouts_ = 0;
  std::uint64_t restarts_ = 0;
};

}  // namespace hawatch::plugins
