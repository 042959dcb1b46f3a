#pragma once
// A fixed-size pool of threads for collector runs. Bounded on purpose: hawatch shares a Raspberry
// Pi with the licence-plate recogniser and must not spawn a thread per check.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace hawatch {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> job);
  std::size_t size() const { return threads_.size(); }
  // Stops taking jobs and waits up to `grace` for running ones. Threads still busy after that
  // (a collector stuck in a syscall) are detached so shutdown cannot hang; returns false then.
  bool shutdown(std::chrono::milliseconds grace);

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    std::condition_variable idle;
    std::deque<std::function<void()>> queue;
    std::size_t busy = 0;
    bool stopping = false;
  };
  static void run(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
  std::vector<std::thread> threads_;
};

}  // namespace hawatch
