#include "notify/retry_stage.h"

namespace hawatch::alerting {

StageStatus RetryStage::exec(NotifyContext& ctx, std::vector<Alert>& alerts) {
  std::vector<Alert> sent;
  if (integration_.send_resolved()) {
    sent = alerts;
  } else {
    if (ctx.firing.empty()) return {};  // only resolved ones: nothing to send, but logged
    for (const Alert& a : alerts)
      if (!a.resolved_at(ctx.now)) sent.push_back(a);
  }
  try {
    spool_.enqueue(ctx.receiver, id_, integration_.render(ctx, sent), ctx.now);
  } catch (const std::exception& e) {
    return StageStatus::failure("retry: " + ctx.receiver + "/" + id_ + ": " + e.what());
  }
  if (on_enqueued_) on_enqueued_();
  return {};
}

}  // namespace hawatch::alerting
