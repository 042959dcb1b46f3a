#include "run_health.h"

#include <algorithm>

namespace hawatch::plugins {

std::chrono::milliseconds RunHealth::backoff_left(Clock::time_point now) const {
  if (!in_backoff(now)) return std::chrono::milliseconds{0};
  return std::chrono::duration_cast<std::chrono::milliseconds>(retry_at_ - now);
}

void RunHealth::succeeded(double duration_seconds) {
  up_ = true;
  failures_ = 0;
  duration_ = duration_seconds;
  last_success_ = std::chrono::duration<double>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
}

void RunHealth::failed(double duration_seconds, bool timed_out, Clock::time_point now) {
  up_ = false;
  duration_ = duration_seconds;
  if (timed_out) ++timeouts_;
  // collectd doubles up to a day; hawatch doubles from the interval up to `cap`, so a check that
  // recovers is seen again within minutes while a broken one costs little.
  const int shift = std::min(failures_, 16);
  ++failures_;
  if (failures_ == 1) {
    retry_at_ = now;  // the first failure retries on the normal schedule
    return;
  }
  const auto delay = std::min<std::chrono::milliseconds>(base_ * (1LL << (shift - 1 < 0 ? 0 : shift - 1)), cap_);
  retry_at_ = now + delay;
}

void RunHealth::emit(MetricSink& sink, const Labels& labels, bool with_restarts) const {
  sink.gauge("hawatch_plugin_up", "Whether the plugin or check's last run completed (1) or failed (0).",
             up_ ? 1 : 0, labels);
  sink.gauge("hawatch_plugin_duration_seconds", "Duration of the plugin or check's last run.",
             duration_, labels);
  sink.gauge("hawatch_plugin_last_success_timestamp_seconds",
             "Unix time of the plugin or check's last completed run (0: never).", last_success_, labels);
  sink.counter("hawatch_plugin_timeouts_total", "Runs of the plugin or check killed on their timeout.",
               static_cast<double>(timeouts_), labels);
  sink.gauge("hawatch_plugin_consecutive_failures",
             "Failed runs in a row; retries back off while this is above 1.", failures_, labels);
  if (with_restarts)
    sink.counter("hawatch_plugin_host_restarts_total",
                 "Times the isolated plugin host process was (re)started.", static_cast<double>(restarts_),
                 labels);
}

}  // namespace hawatch::plugins
