#pragma once
// The notification pipeline as named stages (Alertmanager notify/notify.go). A flush of one
// aggregation group passes, for each receiver, through
//   inhibit -> time-active -> time-mute -> silence
// and then, for each of the receiver's integrations,
//   wait -> dedup -> retry (spool) -> set-notifies.
// Each stage may drop alerts; the rest of the chain is skipped once none are left.

#include <string>
#include <string_view>
#include <vector>

#include "model/alert.h"

namespace hawatch::alerting {

// What a stage knows about the flush it handles (Alertmanager keeps this in the context).
struct NotifyContext {
  Time now{};
  std::string group_key;
  LabelSet group_labels;
  std::string receiver;
  Duration repeat_interval{};
  std::vector<std::string> mute_time_intervals;
  std::vector<std::string> active_time_intervals;
  // Set by the dedup stage: what this flush holds, for the retry and set-notifies stages.
  std::vector<Fingerprint> firing;
  std::vector<Fingerprint> resolved;
};

struct StageStatus {
  bool ok = true;
  std::string error;  // when !ok: which stage and why
  static StageStatus failure(std::string why) { return {false, std::move(why)}; }
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string_view name() const = 0;
  // May remove alerts; an error stops the chain and fails the notification.
  virtual StageStatus exec(NotifyContext& ctx, std::vector<Alert>& alerts) = 0;
};

}  // namespace hawatch::alerting
