// Scheduler + SnapshotStore + WorkerPool with small collectors defined here. These are functional
// checks with generous bounds, not timing benchmarks; the whole file runs in a few seconds.
#define BOOST_TEST_MODULE scheduler
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "contains.h"
#include "core/collector.h"
#include "core/scheduler.h"
#include "core/snapshot.h"
#include "core/worker_pool.h"

using namespace hawatch;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

using CollectFn = std::function<void(const CollectContext&, MetricSink&, std::vector<CollectProblem>&)>;

class FnCollector final : public Collector {
 public:
  explicit FnCollector(CollectFn fn) : fn_(std::move(fn)) {}
  void collect(const CollectContext& ctx, MetricSink& sink,
               std::vector<CollectProblem>& problems) override {
    fn_(ctx, sink, problems);
  }

 private:
  CollectFn fn_;
};

// Lets a test hold collectors inside collect() and let them go; bounded so nothing hangs forever.
class Gate {
 public:
  // Returns true when opened, false after `limit`.
  bool wait(std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, limit, [&] { return open_; });
  }
  void open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Opens the gate on scope exit, before the scheduler and pool declared earlier are torn down.
struct OpenOnExit {
  std::shared_ptr<Gate> gate;
  ~OpenOnExit() { gate->open(); }
};

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

using hawatch::test::contains;

// The value of the sample line that starts with `series` ("name{labels}") in exposition text.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::size_t pos = 0;
  while ((pos = text.find(series + " ", pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      const auto start = pos + series.size() + 1;
      return std::stod(text.substr(start, text.find('\n', start) - start));
    }
    pos += series.size();
  }
  return std::nullopt;
}

std::optional<double> success_of(SnapshotStore& store, const std::string& collector) {
  return sample(store.current()->text(), "hawatch_collector_success{collector=\"" + collector + "\"}");
}

std::optional<CollectorStatus> status_of(const SnapshotStore& store, const std::string& collector) {
  for (auto& s : store.status())
    if (s.collector == collector) return s;
  return std::nullopt;
}

ScheduledCollector scheduled(std::string name, CollectFn fn, Duration interval, Duration timeout,
                             Duration staleness = 1h) {
  return ScheduledCollector{std::move(name), std::make_shared<FnCollector>(std::move(fn)), interval,
                            timeout, staleness};
}

// A store with `collectors` enabled in generation 1, a pool and a started scheduler.
struct Harness {
  explicit Harness(std::vector<ScheduledCollector> collectors, std::size_t threads = 4)
      : store(std::make_shared<SnapshotStore>()), pool(std::make_shared<WorkerPool>(threads)) {
    std::vector<std::string> names;
    for (const auto& c : collectors) names.push_back(c.name);
    store->begin_generation(1, names);
    scheduler = std::make_unique<Scheduler>(std::move(collectors), pool, store, 1);
    scheduler->start();
  }
  ~Harness() {
    scheduler->stop();
    pool->shutdown(2s);
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  std::string text() { return store->current()->text(); }

  std::shared_ptr<SnapshotStore> store;
  std::shared_ptr<WorkerPool> pool;
  std::unique_ptr<Scheduler> scheduler;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_collector_runs_repeatedly_on_its_interval) {
  auto runs = std::make_shared<std::atomic<int>>(0);
  Harness h({scheduled("ticker",
                       [runs](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) {
                         sink.gauge("test_ticker_runs", "Runs so far.", ++*runs);
                       },
                       100ms, 1s)});
  std::this_thread::sleep_for(1s);
  const int n = runs->load();
  BOOST_TEST(n >= 3, "ran " << n << " times in 1 s at a 100ms interval");
  BOOST_TEST(n <= 15, "ran " << n << " times in 1 s at a 100ms interval");
  const auto text = h.text();
  BOOST_TEST(sample(text, "test_ticker_runs").value_or(0) >= 2);
  BOOST_TEST(success_of(*h.store, "ticker").value_or(-1) == 1.0);
}

BOOST_AUTO_TEST_CASE(a_throwing_collector_reads_failed_and_its_samples_are_dropped) {
  Harness h({scheduled("x",
                       [](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) {
                         sink.gauge("test_thrower_value", "Emitted before the throw.", 1);
                         throw std::runtime_error("boom");
                       },
                       1h, 1s),
             scheduled("ok",
                       [](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) {
                         sink.gauge("test_ok_value", "Fine.", 5);
                       },
                       1h, 1s)});
  BOOST_REQUIRE(eventually([&] { return h.store->ready(); }, 2s));
  const auto text = h.text();
  BOOST_TEST(success_of(*h.store, "x").value_or(-1) == 0.0);
  BOOST_TEST(!contains(text, "test_thrower_value"), text);
  BOOST_TEST(success_of(*h.store, "ok").value_or(-1) == 1.0);
  BOOST_TEST(sample(text, "test_ok_value").value_or(-1) == 5.0);
  const auto st = status_of(*h.store, "x");
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->reported);
  BOOST_TEST(!st->success);
  BOOST_TEST(st->error == "boom");
}

BOOST_AUTO_TEST_CASE(a_collect_problem_keeps_samples_but_reads_failed) {
  Harness h({scheduled("partial",
                       [](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>& p) {
                         sink.gauge("test_partial_value", "The good part.", 42);
                         p.push_back({"sensor 3 unreadable"});
                         p.push_back({"sensor 4 unreadable"});
                       },
                       1h, 1s)});
  BOOST_REQUIRE(eventually([&] { return h.store->ready(); }, 2s));
  const auto text = h.text();
  BOOST_TEST(sample(text, "test_partial_value").value_or(-1) == 42.0);
  BOOST_TEST(success_of(*h.store, "partial").value_or(-1) == 0.0);
  const auto st = status_of(*h.store, "partial");
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->error == "sensor 3 unreadable");  // the first problem
}

BOOST_AUTO_TEST_CASE(a_hung_collector_times_out_while_others_keep_updating) {
  auto gate = std::make_shared<Gate>();
  auto fast_runs = std::make_shared<std::atomic<int>>(0);
  Harness h({scheduled("slow",
                       [gate](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) {
                         gate->wait(3s);
                         sink.gauge("test_slow_value", "Late.", 1);
                       },
                       1h, 200ms),
             scheduled("fast",
                       [fast_runs](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) {
                         sink.gauge("test_fast_runs", "Runs so far.", ++*fast_runs);
                       },
                       50ms, 1s)});
  OpenOnExit release{gate};
  const auto started = Clock::now();
  BOOST_REQUIRE(eventually(
      [&] {
        const auto st = status_of(*h.store, "slow");
        return st && st->reported;
      },
      2s));
  const auto reported_after = Clock::now() - started;
  BOOST_TEST(reported_after < 1s, "timeout reported after "
                                      << std::chrono::duration<double>(reported_after).count() << " s");
  const auto st = status_of(*h.store, "slow");
  BOOST_TEST(!st->success);
  BOOST_TEST(contains(st->error, "timed out"), st->error);
  BOOST_TEST(success_of(*h.store, "slow").value_or(-1) == 0.0);
  BOOST_TEST(!contains(h.text(), "test_slow_value"));

  // The slow run is still blocked; the fast collector goes on regardless.
  const int before = fast_runs->load();
  const double served_before = sample(h.text(), "test_fast_runs").value_or(-1);
  std::this_thread::sleep_for(400ms);
  BOOST_TEST(fast_runs->load() >= before + 2);
  BOOST_TEST(sample(h.text(), "test_fast_runs").value_or(-1) > served_before);
  BOOST_TEST(success_of(*h.store, "fast").value_or(-1) == 1.0);
}

// A collector that waits for a silent peer until its deadline and then reports the peer down (as
// the UPS and database collectors do) must get that report out: its deadline comes before the
// scheduler's hard stop, or "timed out" would win the race and its "down" series would vanish.
BOOST_AUTO_TEST_CASE(a_collector_honouring_its_deadline_reports_its_own_failure) {
  auto budget = std::make_shared<std::atomic<long>>(-1);
  auto silent_peer = [budget](const CollectContext& ctx, MetricSink& sink,
                              std::vector<CollectProblem>& problems) {
    budget->store(ctx.remaining().count());
    std::this_thread::sleep_until(ctx.deadline);  // the peer never answers
    sink.gauge("test_peer_up", "Whether the peer answered.", 0);
    problems.push_back({"peer: receive: Timeout"});
  };
  Harness h({scheduled("peer", silent_peer, 1h, 1s)});
  BOOST_REQUIRE(eventually([&] { return sample(h.text(), "test_peer_up").has_value(); }, 3s));
  BOOST_TEST(sample(h.text(), "test_peer_up").value_or(-1) == 0.0);
  BOOST_TEST(status_of(*h.store, "peer")->error == "peer: receive: Timeout");
  // 10 % of the timeout (at most 250 ms) is kept back from the collector.
  BOOST_TEST(budget->load() <= 900);
  BOOST_TEST(budget->load() > 500);
}

BOOST_AUTO_TEST_CASE(runs_of_one_collector_never_overlap) {
  auto concurrent = std::make_shared<std::atomic<int>>(0);
  auto max_concurrent = std::make_shared<std::atomic<int>>(0);
  auto runs = std::make_shared<std::atomic<int>>(0);
  // Each run takes 150ms, three times its interval and its timeout: the scheduler times it out
  // and is due to run it again long before the run returns.
  Harness h({scheduled("overrun",
                       [=](const CollectContext&, MetricSink&, std::vector<CollectProblem>&) {
                         const int now = ++*concurrent;
                         int seen = max_concurrent->load();
                         while (now > seen && !max_concurrent->compare_exchange_weak(seen, now)) {
                         }
                         std::this_thread::sleep_for(150ms);
                         --*concurrent;
                         ++*runs;
                       },
                       20ms, 50ms)});
  std::this_thread::sleep_for(800ms);
  BOOST_TEST(runs->load() >= 2, "runs: " << runs->load());
  BOOST_TEST(max_concurrent->load() == 1);
}

BOOST_AUTO_TEST_CASE(stale_data_is_dropped) {
  auto gate = std::make_shared<Gate>();
  auto runs = std::make_shared<std::atomic<int>>(0);
  // Succeeds once, then blocks; the timeout is far away, so only staleness can drop the data.
  Harness h({scheduled("once",
                       [gate, runs](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) {
                         if (++*runs > 1) gate->wait(10s);
                         sink.gauge("test_once_value", "Only the first run returns.", 7);
                       },
                       100ms, 5s, 300ms)});
  OpenOnExit release{gate};
  BOOST_REQUIRE(eventually([&] { return sample(h.text(), "test_once_value").has_value(); }, 2s));
  const auto seen = Clock::now();
  BOOST_TEST(success_of(*h.store, "once").value_or(-1) == 1.0);

  BOOST_REQUIRE(eventually([&] { return !sample(h.text(), "test_once_value").has_value(); }, 2s));
  const auto dropped_after = Clock::now() - seen;
  // The data lived for its staleness (300ms after the run finished; `seen` is a little later).
  BOOST_TEST(dropped_after >= 150ms, "dropped after "
                                         << std::chrono::duration<double>(dropped_after).count() << " s");
  BOOST_TEST(success_of(*h.store, "once").value_or(-1) == 0.0);
  const auto st = status_of(*h.store, "once");
  BOOST_REQUIRE(st.has_value());
  BOOST_TEST(st->stale);
  BOOST_TEST(!st->success);
  BOOST_TEST(!contains(st->error, "timed out"), st->error);  // dropped for staleness, not timeout
  BOOST_TEST(runs->load() == 2);  // the second run is still stuck; no third one was started
}

BOOST_AUTO_TEST_CASE(stop_returns_promptly_with_a_hung_collector) {
  auto gate = std::make_shared<Gate>();
  auto entered = std::make_shared<std::atomic<bool>>(false);
  auto finished = std::make_shared<std::atomic<bool>>(false);
  auto store = std::make_shared<SnapshotStore>();
  store->begin_generation(1, {"hung"});
  auto pool = std::make_shared<WorkerPool>(2);
  {
    Scheduler scheduler({scheduled("hung",
                                   [=](const CollectContext&, MetricSink&, std::vector<CollectProblem>&) {
                                     *entered = true;
                                     gate->wait(10s);
                                     *finished = true;
                                   },
                                   50ms, 5s)},
                        pool, store, 1);
    scheduler.start();
    BOOST_REQUIRE(eventually([&] { return entered->load(); }, 2s));

    const auto t0 = Clock::now();
    scheduler.stop();
    BOOST_TEST((Clock::now() - t0) < 500ms, "Scheduler::stop() took too long");
  }
  // The pool waits for its grace period, then detaches the stuck thread instead of hanging.
  const auto t1 = Clock::now();
  const bool all_idle = pool->shutdown(200ms);
  const auto took = Clock::now() - t1;
  BOOST_TEST(!all_idle);
  BOOST_TEST(took >= 150ms);
  BOOST_TEST(took < 1s, "WorkerPool::shutdown took " << std::chrono::duration<double>(took).count() << " s");
  BOOST_TEST(!finished->load());

  // Let the detached job finish before the process exits. stop() discards the outcome of a run
  // still in flight: nothing is published for it.
  gate->open();
  BOOST_TEST(eventually([&] { return finished->load(); }, 2s));
  std::this_thread::sleep_for(50ms);
  BOOST_TEST(!store->ready());
  BOOST_TEST(!contains(store->current()->text(), "collector=\"hung\""));
}

BOOST_AUTO_TEST_CASE(worker_pool_runs_jobs_and_survives_throwing_ones) {
  WorkerPool pool(2);
  BOOST_TEST(pool.size() == 2u);
  auto done = std::make_shared<std::atomic<int>>(0);
  pool.submit([] { throw std::runtime_error("job failure is logged, not fatal"); });
  for (int i = 0; i < 10; ++i) pool.submit([done] { ++*done; });
  BOOST_TEST(eventually([&] { return done->load() == 10; }, 2s));
  BOOST_TEST(pool.shutdown(1s));
  pool.submit([done] { ++*done; });  // ignored after shutdown
  std::this_thread::sleep_for(20ms);
  BOOST_TEST(done->load() == 10);
}

BOOST_AUTO_TEST_CASE(outcomes_of_other_generations_are_ignored) {
  auto store = std::make_shared<SnapshotStore>();
  store->begin_generation(2, {"gen"});
  auto pool = std::make_shared<WorkerPool>(1);
  auto runs = std::make_shared<std::atomic<int>>(0);
  {
    // A scheduler of an older generation (as during a reload) publishes into the void.
    Scheduler old({scheduled("gen",
                             [runs](const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) {
                               ++*runs;
                               sink.gauge("test_gen_value", "x", 1);
                             },
                             1h, 1s)},
                  pool, store, 1);
    old.start();
    BOOST_REQUIRE(eventually([&] { return runs->load() == 1; }, 2s));
    std::this_thread::sleep_for(50ms);
    old.stop();
  }
  BOOST_TEST(!store->ready());
  BOOST_TEST(!contains(store->current()->text(), "test_gen_value"));
  pool->shutdown(1s);
}
