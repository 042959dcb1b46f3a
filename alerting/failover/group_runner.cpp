#include "group_runner.h"

#include <algorithm>

#include "core/log.h"
#include "state_file.h"

namespace hawatch::alerting::failover {
namespace {
// Health results waiting beyond this are dropped, oldest first: a group blocked in a slow
// update must not grow without bound (the latest results are the ones that matter).
constexpr std::size_t kMaxQueued = 256;
// The thread wakes at least this often, so the published figures stay fresh.
constexpr auto kMaxSleep = std::chrono::seconds(5);
}  // namespace

GroupRunner::GroupRunner(GroupConfig config, ControllerTiming timing,
                         std::filesystem::path state_file, Sink sink)
    : timing_(timing),
      state_file_(std::move(state_file)),
      sink_(std::move(sink)),
      controller_(config, timing),
      config_(std::move(config)) {
  if (!state_file_.empty())
    controller_.set_journal([this](const PersistedState& state) { persist(state); });
}

void GroupRunner::persist(const PersistedState& state) {
  try {
    write_state_file(state_file_, controller_.config().name, state);
  } catch (const std::exception& e) {
    log::error("cannot persist the failover state",
               {{"group", controller_.config().name}, {"err", e.what()}});
  }
}

GroupRunner::~GroupRunner() {
  stop();
}

void GroupRunner::start() {
  thread_ = std::thread([this] {
    std::optional<PersistedState> persisted;
    if (!state_file_.empty()) {
      std::string problem;
      persisted = read_state_file(state_file_, problem);
      if (!problem.empty()) log::warn("failover state", {{"err", problem}});
    }
    std::vector<Decision> decisions;
    {
      std::lock_guard lock(control_);
      controller_.start(persisted, std::chrono::system_clock::now());
      decisions = settle_locked();
    }
    sink_(config(), decisions);
    loop();
  });
}

void GroupRunner::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GroupRunner::reconfigure(GroupConfig config) {
  {
    std::lock_guard lock(control_);
    controller_.reconfigure(config);
  }
  std::lock_guard lock(status_mutex_);
  config_ = std::move(config);
}

void GroupRunner::push_health(bool healthy, std::string detail) {
  {
    std::lock_guard lock(queue_mutex_);
    if (queue_.size() >= kMaxQueued) queue_.pop_front();
    queue_.push_back({healthy, std::move(detail), std::chrono::system_clock::now()});
  }
  wake_.notify_one();
}

void GroupRunner::set_gateway(std::optional<bool> reachable) {
  {
    std::lock_guard lock(queue_mutex_);
    gateway_ = reachable;
  }
  wake_.notify_one();
}

RequestResult GroupRunner::request(bool fail_over, const std::string& reason) {
  RequestResult result;
  std::vector<Decision> decisions;
  {
    std::lock_guard lock(control_);
    const auto now = std::chrono::system_clock::now();
    result = fail_over ? controller_.request_fail_over(now, reason)
                       : controller_.request_fail_back(now, reason);
    decisions = settle_locked();
  }
  sink_(config(), decisions);
  {
    std::lock_guard lock(queue_mutex_);
    poked_ = true;  // a retry or a verification may now be due before the thread's next wake
  }
  wake_.notify_one();
  return result;
}

GroupStatus GroupRunner::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

GroupConfig GroupRunner::config() const {
  std::lock_guard lock(status_mutex_);
  return config_;
}

void GroupRunner::loop() {
  for (;;) {
    std::deque<HealthEvent> events;
    std::optional<std::optional<bool>> gateway;
    // Not under queue_mutex_: a request may hold control_ through a slow update, and the
    // collectors' publishing threads must never wait for that.
    std::chrono::milliseconds sleep = kMaxSleep;
    {
      std::lock_guard control(control_);
      if (const auto wake = controller_.next_wake()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            *wake - std::chrono::system_clock::now());
        sleep =
            std::clamp<std::chrono::milliseconds>(left, std::chrono::milliseconds(0), kMaxSleep);
      }
    }
    {
      std::unique_lock lock(queue_mutex_);
      wake_.wait_for(lock, sleep, [&] {
        return stopping_ || poked_ || !queue_.empty() || gateway_.has_value();
      });
      poked_ = false;
      if (stopping_) return;
      events.swap(queue_);
      gateway.swap(gateway_);
    }
    step(std::move(events), gateway);
  }
}

void GroupRunner::step(std::deque<HealthEvent> events, std::optional<std::optional<bool>> gateway) {
  std::vector<Decision> decisions;
  {
    std::lock_guard lock(control_);
    if (gateway) controller_.set_gateway_reachable(*gateway);
    for (const auto& e : events) controller_.on_health(e.healthy, e.at, e.detail);
    controller_.tick(std::chrono::system_clock::now());
    decisions = settle_locked();
  }
  sink_(config(), decisions);
}

std::vector<Decision> GroupRunner::settle_locked() {
  if (controller_.take_persist_due() && !state_file_.empty()) persist(controller_.persisted());
  {
    std::lock_guard lock(status_mutex_);
    status_ = controller_.status();
  }
  return controller_.take_decisions();
}

}  // namespace hawatch::alerting::failover
