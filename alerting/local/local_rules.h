#pragma once
// Alert and recording rules evaluated on the node itself, on the exporter's own values: the
// bridge between the exporter (core/snapshot.h) and the rule layer (alerting/rules). It feeds the
// rule engine's storage from the snapshot, runs the groups on their intervals in a thread of its
// own, serves their output in /metrics as the unit "rules" (ALERTS, ALERTS_FOR_STATE,
// hawatch_alerts and the recording rules' series), and keeps the alerts for the API and the status
// page. A scrape never waits for it: its output is published like any collector's.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/snapshot.h"
#include "model/alert.h"
#include "promql/promql.h"
#include "rules/alerting_rule.h"
#include "rules/manager.h"
#include "snapshot_feed.h"

namespace hawatch::local {

inline constexpr const char* kRulesUnit = "rules";

struct LocalRulesConfig {
  std::vector<std::string> rule_files;  // globs; relative ones against base_dir
  std::string base_dir;
  std::chrono::milliseconds evaluation_interval = std::chrono::minutes(1);
  std::string state_file;    // where alert state survives restarts; empty: not kept
  std::string external_url;  // for generatorURL and $externalURL
  std::map<std::string, std::string> external_labels;
  // How far back range functions may look (bounded memory): the storage keeps this much.
  std::chrono::milliseconds retention = std::chrono::hours(1);
};

// One alert as the API and the status page show it.
struct AlertInfo {
  std::string group;
  std::string file;
  std::string rule;
  promql::Labels labels;
  rules::NamedValues annotations;
  rules::AlertState state = rules::AlertState::pending;
  double value = 0;
  promql::Timestamp active_at = 0;
  std::optional<promql::Timestamp> fired_at;
  std::optional<promql::Timestamp> resolved_at;
  std::optional<promql::Timestamp> valid_until;
};

class LocalRules {
 public:
  explicit LocalRules(std::shared_ptr<SnapshotStore> store);
  ~LocalRules();
  LocalRules(const LocalRules&) = delete;
  LocalRules& operator=(const LocalRules&) = delete;

  // The rule files' errors as "FILE:LINE:COL: message", without loading anything.
  static std::vector<std::string> check(const LocalRulesConfig& config);

  // Loads the rules (the first call also restores saved alert state). On any error nothing
  // changes: the running rules keep running, and the errors are returned.
  std::vector<std::string> load(const LocalRulesConfig& config);

  // Drops every rule and alert (a reload to a config without rule_files); stop() first.
  void clear();
  bool loaded() const;

  // Evaluation runs in its own thread between start() and stop(); results are published under
  // the store's generation set here (the daemon's, which lists kRulesUnit among its units).
  void set_generation(std::uint64_t generation);
  void start();
  void stop();

  // One round now (tests, and the thread's loop): feed, evaluate what is due, publish.
  void run_once(promql::Timestamp now);

  // Receives, after each evaluation, the alerts due for notification as Prometheus' notifier
  // sends them: firing ones with endsAt = now + 4 * max(evaluation interval, resend delay),
  // resolved ones with their resolve time. Called from the evaluation thread.
  using AlertSink = std::function<void(std::vector<alerting::Alert>)>;
  void set_alert_sink(AlertSink sink);

  std::vector<AlertInfo> alerts() const;
  // GET /api/v2/alerts: Alertmanager's gettableAlerts JSON of the firing alerts.
  std::string alerts_json() const;
  // The status page's alerts section (escaped HTML).
  std::string status_html() const;

 private:
  void loop();
  void publish(promql::Timestamp now, double seconds);
  rules::ManagerOptions options_for(const LocalRulesConfig& config);
  void forward(const std::string& expr, const std::vector<rules::Alert>& alerts) const;

  std::shared_ptr<SnapshotStore> store_;
  mutable std::mutex mutex_;  // manager_, storage_, feed_, alerts_, config_
  std::condition_variable wake_;
  bool stopping_ = false;
  bool restored_ = false;
  std::uint64_t generation_ = 0;
  LocalRulesConfig config_;
  std::unique_ptr<rules::Manager> manager_;
  promql::MemoryStorage storage_;
  SnapshotFeed feed_{{kRulesUnit}};
  std::vector<AlertInfo> alerts_;
  promql::Timestamp next_due_ = 0;
  AlertSink sink_;
  std::thread thread_;
};

}  // namespace hawatch::local
