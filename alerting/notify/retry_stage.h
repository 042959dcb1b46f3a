#pragma once
// Hands the notification to the integration through the spool (Alertmanager RetryStage retries
// in memory; here the retries are the spool's, so they survive a restart). Without send_resolved
// only firing alerts are sent, and a flush of resolved alerts only is taken without sending, so
// set-notifies still records it.

#include <functional>

#include "notify/integration.h"
#include "notify/spool.h"
#include "notify/stage.h"

namespace hawatch::alerting {

class RetryStage : public Stage {
 public:
  // `integration_id` is "<kind>/<index>"; `on_enqueued` wakes the spool's worker.
  RetryStage(Integration& integration, std::string integration_id, Spool& spool,
             std::function<void()> on_enqueued = {})
      : integration_(integration),
        id_(std::move(integration_id)),
        spool_(spool),
        on_enqueued_(std::move(on_enqueued)) {}
  std::string_view name() const override { return "retry"; }
  StageStatus exec(NotifyContext& ctx, std::vector<Alert>& alerts) override;

 private:
  Integration& integration_;
  std::string id_;
  Spool& spool_;
  std::function<void()> on_enqueued_;
};

}  // namespace hawatch::alerting
