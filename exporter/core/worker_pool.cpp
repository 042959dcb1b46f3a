#include "worker_pool.h"

#include "log.h"

namespace hawatch {

WorkerPool::WorkerPool(std::size_t threads) : state_(std::make_shared<State>()) {
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([s = state_] { run(s); });
}

WorkerPool::~WorkerPool() { shutdown(std::chrono::seconds(2)); }

void WorkerPool::submit(std::function<void()> job) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->stopping) return;
    state_->queue.push_back(std::move(job));
  }
  state_->wake.notify_one();
}

void WorkerPool::run(const std::shared_ptr<State>& state) {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(state->mutex);
      state->wake.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
      if (state->stopping) return;
      job = std::move(state->queue.front());
      state->queue.pop_front();
      ++state->busy;
    }
    try {
      job();
    } catch (const std::exception& e) {
      log::error("worker job failed", {{"err", e.what()}});
    } catch (...) {
      log::error("worker job failed", {{"err", "unknown exception"}});
    }
    {
      std::lock_guard lock(state->mutex);
      --state->busy;
    }
    state->idle.notify_all();
  }
}

bool WorkerPool::shutdown(std::chrono::milliseconds grace) {
  if (threads_.empty()) return true;
  bool all_idle = false;
  {
    std::unique_lock lock(state_->mutex);
    state_->stopping = true;
    state_->queue.clear();
    all_idle = state_->idle.wait_for(lock, grace, [&] { return state_->busy == 0; });
  }
  state_->wake.notify_all();
  for (auto& t : threads_) {
    if (all_idle) {
      t.join();
    } else {
      t.detach();  // the shared State keeps what a straggler touches alive
    }
  }
  threads_.clear();
  return all_idle;
}

}  // namespace hawatch
