#pragma once
// Builds the stages for each receiver and runs a group flush through them: the dispatcher's
// NotifyFunction. Receivers are looked up by the route's receiver name.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dispatch/dispatcher.h"
#include "inhibit/inhibitor.h"
#include "notify/integration.h"
#include "notify/notification_log.h"
#include "notify/spool.h"
#include "notify/stage.h"
#include "silence/silences.h"
#include "timeinterval/time_interval.h"

namespace hawatch::alerting {

struct ReceiverConfig {
  std::string name;
  std::vector<std::shared_ptr<Integration>> integrations;
};

struct PipelineParts {
  const Inhibitor* inhibitor = nullptr;  // null: no inhibition
  const Silences* silences = nullptr;    // null: no silences
  const TimeIntervals* time_intervals = nullptr;
  NotificationLog* log = nullptr;  // required
  Spool* spool = nullptr;          // required
  Duration wait{};                 // the wait stage (HA staggering)
  std::function<void()> on_enqueued;
};

class NotificationPipeline {
 public:
  NotificationPipeline(PipelineParts parts, std::vector<ReceiverConfig> receivers);

  // Runs every stage; true when every integration took the notification (or had nothing to
  // send). Errors are logged with the stage that failed.
  bool notify(const GroupNotification& notification);

  // The spool's resolver: the integration named "<kind>/<index>" of a receiver.
  Integration* find(const std::string& receiver, const std::string& integration_id) const;

  // What the dedup and set-notifies stages call a receiver's integration: "admin/webhook/0".
  static std::string receiver_key(const std::string& receiver, const std::string& integration_id);

 private:
  struct Chain {
    std::string integration_id;
    std::shared_ptr<Integration> integration;
    std::vector<std::unique_ptr<Stage>> stages;
  };
  struct Receiver {
    std::vector<std::unique_ptr<Stage>> stages;
    std::vector<Chain> chains;
  };
  static StageStatus run(std::vector<std::unique_ptr<Stage>>& stages, NotifyContext& ctx,
                         std::vector<Alert>& alerts);

  PipelineParts parts_;
  TimeIntervals no_intervals_;
  std::map<std::string, Receiver, std::less<>> receivers_;
};

}  // namespace hawatch::alerting
