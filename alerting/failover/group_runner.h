#pragma once
// One failover group's thread: hands health results, the gateway check and time to its
// Controller, then writes what it decided (audit log, alerts), persists its state and updates
// the status copy the API and the metrics read. Three locks, so that neither a scrape, nor the
// API's GET, nor the collector publishing a probe result ever waits for a DNS update in progress.

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <thread>

#include "controller.h"

namespace hawatch::alerting::failover {

class GroupRunner {
 public:
  // Receives the decisions of one step (outside the controller's lock) and whether anything
  // changed that is worth publishing.
  using Sink = std::function<void(const GroupConfig&, const std::vector<Decision>&)>;

  GroupRunner(GroupConfig config, ControllerTiming timing, std::filesystem::path state_file,
              Sink sink);
  ~GroupRunner();
  GroupRunner(const GroupRunner&) = delete;
  GroupRunner& operator=(const GroupRunner&) = delete;

  void start();  // the thread reads the persisted state and reconciles with the served record
  void stop();
  void reconfigure(GroupConfig config);

  void push_health(bool healthy, std::string detail);
  void set_gateway(std::optional<bool> reachable);
  RequestResult request(bool fail_over, const std::string& reason);

  GroupStatus status() const;
  GroupConfig config() const;

 private:
  struct HealthEvent {
    bool healthy = false;
    std::string detail;
    Time at{};
  };
  void loop();
  void step(std::deque<HealthEvent> events, std::optional<std::optional<bool>> gateway);
  // Caller holds control_; returns the step's decisions for the sink.
  std::vector<Decision> settle_locked();
  void persist(const PersistedState& state);

  ControllerTiming timing_;
  std::filesystem::path state_file_;
  Sink sink_;

  std::mutex control_;  // controller_ (held during a DNS update)
  Controller controller_;

  mutable std::mutex queue_mutex_;  // queue_, gateway_, stopping_, poked_
  std::condition_variable wake_;
  std::deque<HealthEvent> queue_;
  std::optional<std::optional<bool>> gateway_;
  bool stopping_ = false;
  bool poked_ = false;

  mutable std::mutex status_mutex_;  // status_, config_
  GroupStatus status_;
  GroupConfig config_;

  std::thread thread_;
};

}  // namespace hawatch::alerting::failover
