#pragma once
// The routing and notification half of alerting, assembled: every alert hawatch takes (its own
// rules, POST /api/v2/alerts, Alertmanager webhooks, its own HawatchNotificationGivenUp) enters
// through insert() and goes
//   store -> inhibitor -> dispatcher (groups) -> pipeline (stages) -> spool -> integrations.
// The state that must outlive a reload (silences, notification log, spool, held alerts) is kept
// by reconfigure(); the routing (route tree, inhibit rules, receivers) is replaced, and the held
// alerts are fed to the new dispatcher (the notification log keeps it from resending).
// Metrics are published into the snapshot store as the unit "alerting".

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/alerting_config.h"
#include "core/snapshot.h"
#include "dispatch/dispatch_loop.h"
#include "notify/pipeline.h"
#include "service/alert_store.h"

namespace hawatch::alerting {

inline constexpr const char* kAlertingUnit = "alerting";
inline constexpr const char* kGivenUpAlertName = "HawatchNotificationGivenUp";

// One alert as the API shows it: Alertmanager's gettableAlert.
struct AlertView {
  Alert alert;
  std::string source;
  std::vector<std::string> receivers;
  std::vector<std::string> silenced_by;
  std::vector<std::string> inhibited_by;  // fingerprints
  bool suppressed() const { return !silenced_by.empty() || !inhibited_by.empty(); }
};

// A finished notification, for the status page.
struct NotificationEvent {
  Time at{};
  std::string receiver;
  std::string integration;
  bool delivered = false;
  double latency_seconds = 0;
  std::string detail;
};

struct InsertResult {
  std::size_t accepted = 0;
  std::size_t refused = 0;  // the store or a dispatcher limit was full
};

class AlertingService {
 public:
  struct Options {
    std::shared_ptr<SnapshotStore> store;  // null: no metrics published
    std::chrono::milliseconds publish_interval = std::chrono::seconds(1);
    std::size_t max_alerts = 50000;
  };

  // Opens the state (creating the spool directory) and starts the threads. Throws
  // std::runtime_error (or hawatch::IoError) when the state cannot be opened.
  AlertingService(AlertingConfig config, std::vector<ReceiverConfig> receivers, Options options);
  ~AlertingService();
  AlertingService(const AlertingService&) = delete;
  AlertingService& operator=(const AlertingService&) = delete;

  // Replaces route, inhibit rules, time intervals and receivers. The state files and the spool
  // directory stay those of the start: a change to them is returned as a warning.
  std::vector<std::string> reconfigure(AlertingConfig config,
                                       std::vector<ReceiverConfig> receivers);

  // Every input goes here; `source` names the sender in metrics and logs.
  InsertResult insert(const std::vector<Alert>& alerts, const std::string& source);

  void set_generation(std::uint64_t generation);

  // Views for the API and the status page.
  std::vector<AlertView> alerts(Time now) const;  // the ones not resolved
  std::vector<GroupInfo> groups() const;
  std::vector<std::string> receiver_names() const;
  std::vector<NotificationEvent> last_notifications() const;
  Silences& silences() const { return *silences_; }
  AlertingConfig config() const;
  std::size_t queue_length() const { return spool_->size(); }
  // Per receiver and integration ("webhook/0"): the spool's counters with the latest outcome.
  std::map<std::pair<std::string, std::string>, SpoolCounters> integration_states() const {
    return spool_->counters();
  }
  SpoolCounters spool_totals() const { return spool_->totals(); }
  Time started_at() const { return started_at_; }

  // The metrics now (also what the publishing thread serves); and one maintenance round.
  std::vector<prometheus::MetricFamily> metrics() const;
  void maintain(Time now);

 private:
  struct Routing;
  std::unique_ptr<Routing> build_routing(std::vector<ReceiverConfig> receivers);
  void start_worker();
  void stop_worker();
  void on_delivered(const SpoolRecord& record);
  void on_given_up(const SpoolRecord& record, const std::string& detail);
  void remember(NotificationEvent event);
  void publish_loop();
  void publish();

  Options options_;
  Time started_at_;
  mutable std::mutex config_mutex_;
  AlertingConfig config_;
  // Kept across reconfigure().
  std::unique_ptr<Silences> silences_;
  std::unique_ptr<NotificationLog> nflog_;
  std::unique_ptr<Spool> spool_;
  AlertStore store_;
  // Replaced by reconfigure(); routing_mutex_ guards the pointer and insert().
  mutable std::mutex routing_mutex_;
  std::unique_ptr<Routing> routing_;
  std::mutex worker_mutex_;
  std::unique_ptr<SpoolWorker> worker_;

  struct Stats;
  std::unique_ptr<Stats> stats_;

  std::mutex publish_mutex_;
  std::condition_variable publish_wake_;
  bool stopping_ = false;
  std::uint64_t generation_ = 0;
  std::thread publisher_;
};

}  // namespace hawatch::alerting
