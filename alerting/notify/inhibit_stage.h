#pragma once
// Drops alerts an inhibition rule mutes (a firing source alert with equal labels).

#include "inhibit/inhibitor.h"
#include "notify/stage.h"

namespace hawatch::alerting {

class InhibitStage : public Stage {
 public:
  explicit InhibitStage(const Inhibitor& inhibitor) : inhibitor_(inhibitor) {}
  std::string_view name() const override { return "inhibit"; }
  StageStatus exec(NotifyContext& ctx, std::vector<Alert>& alerts) override {
    std::erase_if(alerts, [&](const Alert& a) { return inhibitor_.mutes(a.labels, ctx.now); });
    return {};
  }

 private:
  const Inhibitor& inhibitor_;
};

}  // namespace hawatch::alerting
