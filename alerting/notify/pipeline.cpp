#include "notify/pipeline.h"

#include "core/log.h"
#include "notify/dedup_stage.h"
#include "notify/inhibit_stage.h"
#include "notify/retry_stage.h"
#include "notify/set_notifies_stage.h"
#include "notify/silence_stage.h"
#include "notify/time_active_stage.h"
#include "notify/time_mute_stage.h"
#include "notify/wait_stage.h"

namespace hawatch::alerting {

std::string NotificationPipeline::receiver_key(const std::string& receiver,
                                               const std::string& integration_id) {
  return receiver + "/" + integration_id;
}

NotificationPipeline::NotificationPipeline(PipelineParts parts,
                                           std::vector<ReceiverConfig> receivers)
    : parts_(std::move(parts)) {
  if (!parts_.log || !parts_.spool) {
    throw std::invalid_argument("notification pipeline needs a notification log and a spool");
  }
  const TimeIntervals& intervals = parts_.time_intervals ? *parts_.time_intervals : no_intervals_;
  for (ReceiverConfig& rc : receivers) {
    Receiver r;
    if (parts_.inhibitor) r.stages.push_back(std::make_unique<InhibitStage>(*parts_.inhibitor));
    r.stages.push_back(std::make_unique<TimeActiveStage>(intervals));
    r.stages.push_back(std::make_unique<TimeMuteStage>(intervals));
    if (parts_.silences) r.stages.push_back(std::make_unique<SilenceStage>(*parts_.silences));
    std::map<std::string, int> per_kind;
    for (auto& integration : rc.integrations) {
      Chain c;
      c.integration_id = std::string(integration->kind()) + "/" +
                         std::to_string(per_kind[std::string(integration->kind())]++);
      c.integration = integration;
      const std::string key = receiver_key(rc.name, c.integration_id);
      c.stages.push_back(std::make_unique<WaitStage>(parts_.wait));
      c.stages.push_back(
          std::make_unique<DedupStage>(*parts_.log, key, integration->send_resolved()));
      c.stages.push_back(std::make_unique<RetryStage>(*integration, c.integration_id, *parts_.spool,
                                                      parts_.on_enqueued));
      c.stages.push_back(std::make_unique<SetNotifiesStage>(*parts_.log, key));
      r.chains.push_back(std::move(c));
    }
    receivers_[rc.name] = std::move(r);
  }
}

StageStatus NotificationPipeline::run(std::vector<std::unique_ptr<Stage>>& stages,
                                      NotifyContext& ctx, std::vector<Alert>& alerts) {
  for (auto& stage : stages) {
    if (alerts.empty()) break;
    StageStatus s = stage->exec(ctx, alerts);
    if (!s.ok) return s;
  }
  return {};
}

bool NotificationPipeline::notify(const GroupNotification& n) {
  const RouteOptions& opts = n.route->options();
  auto it = receivers_.find(opts.receiver);
  if (it == receivers_.end()) {
    log::error("notify: no such receiver", {{"receiver", opts.receiver}});
    return false;
  }
  NotifyContext ctx{n.now,
                    n.group_key,
                    n.group_labels,
                    opts.receiver,
                    opts.repeat_interval,
                    opts.mute_time_intervals,
                    opts.active_time_intervals,
                    {},
                    {}};
  std::vector<Alert> alerts = n.alerts;
  if (StageStatus s = run(it->second.stages, ctx, alerts); !s.ok) {
    log::error("notify failed", {{"receiver", opts.receiver}, {"err", s.error}});
    return false;
  }
  if (alerts.empty()) return true;
  bool all_ok = true;
  for (Chain& chain : it->second.chains) {
    NotifyContext c = ctx;
    std::vector<Alert> copy = alerts;
    if (StageStatus s = run(chain.stages, c, copy); !s.ok) {
      log::error("notify failed", {{"receiver", opts.receiver},
                                   {"integration", chain.integration_id},
                                   {"group_key", n.group_key},
                                   {"err", s.error}});
      all_ok = false;
    }
  }
  return all_ok;
}

Integration* NotificationPipeline::find(const std::string& receiver,
                                        const std::string& integration_id) const {
  auto it = receivers_.find(receiver);
  if (it == receivers_.end()) return nullptr;
  for (const Chain& c : it->second.chains)
    if (c.integration_id == integration_id) return c.integration.get();
  return nullptr;
}

}  // namespace hawatch::alerting
