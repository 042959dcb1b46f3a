#pragma once
// Records in the notification log what was just handed to the integration, for the next dedup.

#include "notify/notification_log.h"
#include "notify/stage.h"

namespace hawatch::alerting {

class SetNotifiesStage : public Stage {
 public:
  SetNotifiesStage(NotificationLog& log, std::string receiver_key)
      : log_(log), receiver_key_(std::move(receiver_key)) {}
  std::string_view name() const override { return "set-notifies"; }
  StageStatus exec(NotifyContext& ctx, std::vector<Alert>&) override {
    try {
      log_.log(ctx.group_key, receiver_key_, ctx.firing, ctx.resolved, ctx.now);
    } catch (const std::exception& e) {
      return StageStatus::failure("set-notifies: " + std::string(e.what()));
    }
    return {};
  }

 private:
  NotificationLog& log_;
  std::string receiver_key_;
};

}  // namespace hawatch::alerting
