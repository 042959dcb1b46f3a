#pragma once
// Drops alerts an active silence matches.

#include "notify/stage.h"
#include "silence/silences.h"

namespace hawatch::alerting {

class SilenceStage : public Stage {
 public:
  explicit SilenceStage(const Silences& silences) : silences_(silences) {}
  std::string_view name() const override { return "silence"; }
  StageStatus exec(NotifyContext& ctx, std::vector<Alert>& alerts) override {
    std::erase_if(alerts, [&](const Alert& a) { return silences_.mutes(a.labels, ctx.now); });
    return {};
  }

 private:
  const Silences& silences_;
};

}  // namespace hawatch::alerting
