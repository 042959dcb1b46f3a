#pragma once
// Sends only what the receiver has not been told (Alertmanager DedupStage): always the first
// firing notification of a group, then on any new firing alert, on resolved alerts (when the
// integration sends them, or when everything resolved), and otherwise once repeat_interval has
// passed since the last notification.

#include <set>

#include "notify/notification_log.h"
#include "notify/stage.h"

namespace hawatch::alerting {

class DedupStage : public Stage {
 public:
  DedupStage(const NotificationLog& log, std::string receiver_key, bool send_resolved)
      : log_(log), receiver_key_(std::move(receiver_key)), send_resolved_(send_resolved) {}
  std::string_view name() const override { return "dedup"; }
  StageStatus exec(NotifyContext& ctx, std::vector<Alert>& alerts) override;

 private:
  bool needs_update(const std::optional<NotificationEntry>& entry,
                    const std::set<Fingerprint>& firing, const std::set<Fingerprint>& resolved,
                    const NotifyContext& ctx) const;

  const NotificationLog& log_;
  std::string receiver_key_;
  bool send_resolved_;
};

}  // namespace hawatch::alerting
