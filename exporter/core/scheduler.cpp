#include "scheduler.h"

#include <malloc.h>

#include "log.h"

namespace hawatch {

using std::chrono::steady_clock;

// Per-collector state, shared with the jobs in flight so it outlives a stopped scheduler.
struct Scheduler::Slot {
  ScheduledCollector spec;
  steady_clock::time_point next_run;
  std::atomic<bool> running{false};
  // Set once per run by whoever reports it: the job when it finishes, or the loop when it times
  // out. Claimed with exchange() so a run finishing just as its timeout fires is reported once,
  // never as fresh data and then overwritten by "timed out" (or the other way round).
  std::atomic<bool> reported{false};
  std::atomic<std::int64_t> started_ns{0};
  // Last reported problem, so a failing collector logs once per change rather than every run.
  std::mutex log_mutex;
  std::string last_logged_error;
  bool ever_reported = false;
};

namespace {
std::int64_t to_ns(steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
// A run that serialised this much text allocated several times as much on its way (parsed input,
// samples, text) in its worker thread's malloc arena, and glibc keeps freed arena memory mapped:
// with a 100k-series textfile directory peak RSS under scrapes reached 180 MiB, 70 with the trim
// (10k series: 31 -> 24 MiB). Small runs, the usual ones, skip the trim's cost.
constexpr std::size_t kTrimAfterTextBytes = 256 << 10;

std::size_t text_bytes(const std::vector<PreparedFamily>& families) {
  std::size_t n = 0;
  for (const auto& f : families) n += f.header.size() + f.samples.size();
  return n;
}

steady_clock::time_point from_ns(std::int64_t ns) {
  return steady_clock::time_point(std::chrono::nanoseconds(ns));
}

void log_transition(std::mutex& m, std::string& last, bool& ever, const std::string& collector,
                    const std::string& error) {
  std::lock_guard lock(m);
  if (ever && error == last) return;
  if (!error.empty()) {
    log::error("collector failed", {{"collector", collector}, {"err", error}});
  } else if (ever) {
    log::info("collector recovered", {{"collector", collector}});
  }
  last = error;
  ever = true;
}
}  // namespace

Scheduler::Scheduler(std::vector<ScheduledCollector> collectors, std::shared_ptr<WorkerPool> pool,
                     std::shared_ptr<SnapshotStore> store, std::uint64_t generation)
    : pool_(std::move(pool)), store_(std::move(store)), generation_(generation) {
  for (auto& c : collectors) {
    auto slot = std::make_shared<Slot>();
    slot->spec = std::move(c);
    slots_.push_back(std::move(slot));
  }
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::start() {
  const auto now = steady_clock::now();
  last_tick_ns_ = to_ns(now);
  for (auto& slot : slots_) slot->next_run = now;
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(signal_->mutex);
    signal_->stopping = true;
  }
  signal_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

steady_clock::time_point Scheduler::last_tick() const {
  return from_ns(last_tick_ns_.load());
}

void Scheduler::loop() {
  std::unique_lock lock(signal_->mutex);
  while (!signal_->stopping) {
    signal_->poked = false;
    const auto now = steady_clock::now();
    last_tick_ns_ = to_ns(now);
    // Wake at least once a second so timeouts are noticed and the watchdog sees progress.
    auto next_wake = now + std::chrono::seconds(1);
    for (auto& slot : slots_) {
      if (slot->running) {
        check_timeout(*slot, now);
      } else if (now >= slot->next_run) {
        launch(slot, now);
      }
      if (!slot->running) {
        next_wake = std::min(next_wake, slot->next_run);
      } else if (!slot->reported) {
        next_wake = std::min(next_wake, from_ns(slot->started_ns) + slot->spec.timeout);
      }
    }
    signal_->cv.wait_until(lock, std::max(next_wake, now + std::chrono::milliseconds(1)),
                           [&] { return signal_->stopping || signal_->poked; });
  }
}

namespace {
// How much earlier than the scheduler's hard stop a collector's own deadline falls.
steady_clock::duration collector_grace(Duration timeout) {
  return std::min<steady_clock::duration>(timeout / 10, std::chrono::milliseconds(250));
}
}  // namespace

void Scheduler::launch(const std::shared_ptr<Slot>& slot, steady_clock::time_point now) {
  // Keep the cadence fixed; skip missed ticks instead of bursting after a long run.
  slot->next_run += slot->spec.interval;
  if (slot->next_run <= now) slot->next_run = now + slot->spec.interval;
  slot->running = true;
  slot->reported = false;
  slot->started_ns = to_ns(now);

  pool_->submit([slot, store = store_, generation = generation_, signal = signal_] {
    const auto started = steady_clock::now();
    CollectorOutcome outcome;
    outcome.collector = slot->spec.name;
    MetricSink sink;
    std::vector<CollectProblem> problems;
    try {
      // The deadline counts from launch, as the timeout check in loop() does: time spent queued
      // for a free worker is part of the run's budget, or a collector honouring its deadline
      // could still be reported as timed out (and lose its samples).
      // The collector's deadline comes a little before the hard stop, so that one which honours
      // it (a peer that accepts and never answers) still reports its own "down" samples (e.g.
      // hawatch_ups_up 0, reason timeout) instead of losing the race and all its series.
      const auto hard_stop = from_ns(slot->started_ns) + slot->spec.timeout;
      slot->spec.collector->collect(CollectContext{hard_stop - collector_grace(slot->spec.timeout)},
                                    sink, problems);
    } catch (const std::exception& e) {
      problems.push_back({e.what()});
      sink = MetricSink{};  // a thrown run's partial samples are not trustworthy
    }
    const auto finished = steady_clock::now();
    outcome.duration_seconds = std::chrono::duration<double>(finished - started).count();
    outcome.finished_at = std::chrono::system_clock::now();
    outcome.stale_at = finished + slot->spec.staleness;
    outcome.success = problems.empty();
    if (!problems.empty()) outcome.error = problems.front().message;

    bool stopping = false;
    {
      std::lock_guard lock(signal->mutex);
      stopping = signal->stopping;
    }
    // Already reported as a timeout: a late answer is not fresh data. After stop() the run
    // belongs to a scheduler that is gone (a reload's old generation, or shutdown); its outcome
    // is discarded as stop() promises, rather than logged as a failure or recovery.
    if (stopping || slot->reported.exchange(true)) {
      slot->running = false;
      signal->poke();
      return;
    }
    try {
      set_samples(outcome, sink.families(), *store);
    } catch (const std::exception& e) {
      outcome.success = false;
      outcome.error = std::string("serialising samples: ") + e.what();
      outcome.families.clear();
    }
    log_transition(slot->log_mutex, slot->last_logged_error, slot->ever_reported, outcome.collector,
                   outcome.error);
    const bool large = text_bytes(outcome.families) > kTrimAfterTextBytes;
    store->publish(generation, std::move(outcome));
    slot->running = false;
    signal->poke();
    if (large) ::malloc_trim(0);
  });
}

void Scheduler::check_timeout(Slot& slot, steady_clock::time_point now) {
  if (slot.reported) return;
  const auto started = from_ns(slot.started_ns);
  if (now < started + slot.spec.timeout) return;
  if (slot.reported.exchange(true)) return;  // the job finished just now and reports itself
  CollectorOutcome outcome;
  outcome.collector = slot.spec.name;
  outcome.success = false;
  outcome.error = "timed out after " + format_duration(slot.spec.timeout);
  outcome.duration_seconds = std::chrono::duration<double>(now - started).count();
  outcome.finished_at = std::chrono::system_clock::now();
  outcome.stale_at = now;  // no samples to serve
  log_transition(slot.log_mutex, slot.last_logged_error, slot.ever_reported, outcome.collector,
                 outcome.error);
  store_->publish(generation_, std::move(outcome));
}

}  // namespace hawatch
