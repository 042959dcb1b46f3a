#pragma once
// Runs each collector on its own interval on the worker pool and publishes outcomes into the
// snapshot store. A run that exceeds its timeout is reported as failed at once; the collector is
// not started again until the stuck run returns (runs of one collector never overlap).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collector.h"
#include "snapshot.h"
#include "worker_pool.h"

namespace hawatch {

struct ScheduledCollector {
  std::string name;
  std::shared_ptr<Collector> collector;
  Duration interval{std::chrono::seconds(15)};
  Duration timeout{std::chrono::seconds(10)};
  // Data older than this is dropped rather than served as fresh.
  Duration staleness{std::chrono::seconds(40)};
};

class Scheduler {
 public:
  Scheduler(std::vector<ScheduledCollector> collectors, std::shared_ptr<WorkerPool> pool,
            std::shared_ptr<SnapshotStore> store, std::uint64_t generation);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Stops scheduling; runs in flight finish on the pool and their outcomes are discarded.
  void stop();
  // Last time the scheduling loop made progress (for the systemd watchdog).
  std::chrono::steady_clock::time_point last_tick() const;

 private:
  struct Slot;
  void loop();
  void launch(const std::shared_ptr<Slot>& slot, std::chrono::steady_clock::time_point now);
  void check_timeout(Slot& slot, std::chrono::steady_clock::time_point now);

  std::vector<std::shared_ptr<Slot>> slots_;
  std::shared_ptr<WorkerPool> pool_;
  std::shared_ptr<SnapshotStore> store_;
  std::uint64_t generation_;

  // Shared with jobs in flight: a finished run pokes the loop so an overdue collector starts at
  // once, without the loop polling while runs are long.
  struct Signal {
    std::mutex mutex;
    std::condition_variable cv;
    bool stopping = false;
    bool poked = false;
    void poke() {
      {
        std::lock_guard lock(mutex);
        poked = true;
      }
      cv.notify_all();
    }
  };
  std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
  std::atomic<std::int64_t> last_tick_ns_{0};
  std::thread thread_;
};

}  // namespace hawatch
