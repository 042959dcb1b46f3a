#pragma once
// Runs a Dispatcher on the system clock in a thread of its own: sleeps until the next group is
// due or an alert arrives, then calls run_due(). Stops (and joins) on destruction.

#include <condition_variable>
#include <mutex>
#include <thread>

#include "dispatch/dispatcher.h"

namespace hawatch::alerting {

class DispatchLoop {
 public:
  explicit DispatchLoop(Dispatcher& dispatcher);
  ~DispatchLoop();
  DispatchLoop(const DispatchLoop&) = delete;
  DispatchLoop& operator=(const DispatchLoop&) = delete;

  // Inserts with the current time and wakes the loop (a group_wait of 0 flushes at once).
  bool insert(const Alert& alert);  // as Dispatcher::insert
  // A batch (one API request): all inserted before the loop wakes, so an immediate flush of old
  // alerts' groups sees the whole batch. False when a limit refused any.
  bool insert(const std::vector<Alert>& alerts);

 private:
  void run();

  Dispatcher& dispatcher_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace hawatch::alerting
