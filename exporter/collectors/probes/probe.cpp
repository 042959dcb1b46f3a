#include "probe.h"

#include <algorithm>

#include "core/log.h"

namespace hawatch::probe {

using std::chrono::steady_clock;

steady_clock::time_point probe_deadline(const CollectContext& ctx) {
  const auto left = ctx.remaining();
  const auto margin = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(200), left / 10);
  return ctx.deadline - margin;
}

void ProbeCollector::collect(const CollectContext& ctx, MetricSink& sink,
                             std::vector<CollectProblem>& problems) {
  const Labels labels{{"probe", name_}};
  const auto started = steady_clock::now();
  Outcome outcome;
  try {
    outcome = probe_->run(probe_deadline(ctx), sink, labels);
  } catch (const std::exception& e) {
    outcome = Outcome::fail(kReasonError, e.what());
    problems.push_back({"probe " + name_ + ": " + e.what()});
  }
  const double seconds = std::chrono::duration<double>(steady_clock::now() - started).count();
  if (outcome.success) {
    consecutive_failures_ = 0;
    last_success_seconds_ =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  } else {
    ++consecutive_failures_;
  }
  log_transition(outcome);

  sink.gauge("hawatch_probe_success", "Whether the probe's last attempt succeeded.",
             outcome.success ? 1 : 0, labels);
  sink.gauge("hawatch_probe_duration_seconds", "How long the probe's last attempt took.", seconds,
             labels);
  sink.gauge("hawatch_probe_consecutive_failures",
             "Failed attempts in a row (0 after a success); the HA heartbeat's strike count.",
             static_cast<double>(consecutive_failures_), labels);
  sink.gauge("hawatch_probe_last_success_timestamp_seconds",
             "When the probe last succeeded (0: not since hawatch started or was reloaded).",
             last_success_seconds_, labels);
  sink.info("hawatch_probe_info", "The probe's kind.", {{"kind", probe_->kind()}, {"probe", name_}});
  auto reasons = probe_->failure_reasons();
  reasons.push_back(kReasonError);
  for (const auto& reason : reasons) {
    sink.gauge("hawatch_probe_failure",
               "1 for the reason the probe's last attempt failed, 0 for every other reason.",
               !outcome.success && outcome.reason == reason ? 1 : 0,
               {{"probe", name_}, {"reason", reason}});
  }
}

void ProbeCollector::log_transition(const Outcome& outcome) {
  // By reason, not detail: details carry timings ("after 901 ms") that differ on every run.
  std::string state = outcome.success ? "" : outcome.reason;
  if (ever_ran_ && state == last_state_) return;
  if (!outcome.success) {
    log::warn("probe failed", {{"probe", name_}, {"reason", outcome.reason}, {"err", outcome.detail}});
  } else if (ever_ran_) {
    log::info("probe recovered", {{"probe", name_}});
  }
  ever_ran_ = true;
  last_state_ = std::move(state);
}

}  // namespace hawatch::probe
