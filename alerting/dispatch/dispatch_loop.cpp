#include "dispatch/dispatch_loop.h"

namespace hawatch::alerting {

DispatchLoop::DispatchLoop(Dispatcher& dispatcher)
    : dispatcher_(dispatcher), thread_([this] { run(); }) {}

DispatchLoop::~DispatchLoop() {
  {
    const std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool DispatchLoop::insert(const Alert& alert) {
  return insert(std::vector<Alert>{alert});
}

bool DispatchLoop::insert(const std::vector<Alert>& alerts) {
  const Time now = Clock::now();
  bool taken = true;
  for (const Alert& a : alerts) taken = dispatcher_.insert(a, now) && taken;
  {
    const std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
  return taken;
}

void DispatchLoop::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    const auto next = dispatcher_.next_due();
    const auto until = next ? *next : Clock::now() + std::chrono::seconds(60);
    wake_.wait_until(lock, until, [&] { return stop_ || poked_; });
    if (stop_) break;
    poked_ = false;
    lock.unlock();
    dispatcher_.run_due(Clock::now());
    lock.lock();
  }
}

}  // namespace hawatch::alerting
