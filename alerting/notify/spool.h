#pragma once
// At-least-once delivery. Every notification is written to the spool directory (one file per
// record, fsync'd, with its idempotency key) before any attempt; it is removed only once
// delivered or given up. Failed attempts that may succeed later (network errors, timeouts, 5xx,
// 429) are retried with exponential backoff and jitter until the record's deadline, then given
// up (logged and counted). A new Spool on the same directory replays what is left, so a crash or
// restart loses nothing that was accepted. A write that fails (full disk, quota) is an error for
// the caller and counted, never a silent drop.
//
// Time is passed in, as for the dispatcher: SpoolWorker drives deliver_due() on the system clock;
// tests drive it by hand.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "notify/integration.h"

namespace hawatch::alerting {

struct SpoolRecord {
  std::string key;          // idempotency key, also the file name
  std::string receiver;     // receiver name
  std::string integration;  // "<kind>/<index>" within the receiver
  std::string body;
  Time created{};
  Time deadline{};
  // Not persisted: a replayed record is attempted at once.
  int attempts = 0;
  Time next_attempt{};
};

// The record file's text and back; decode throws std::runtime_error on anything malformed.
std::string encode_spool_record(const SpoolRecord& record);
SpoolRecord decode_spool_record(const std::string& text);

class SpoolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SpoolCounters {
  std::uint64_t enqueued = 0;
  std::uint64_t attempts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed_attempts = 0;  // each failed attempt
  std::uint64_t given_up = 0;         // records dropped after their deadline or a permanent error
  std::uint64_t write_errors = 0;     // enqueue failures (disk full, spool full)
  std::uint64_t corrupt = 0;          // unreadable record files found on replay (set aside)
  // The latest attempt's outcome: what hawatch_notification_receiver_up and the status page say.
  bool last_failed = false;
  std::string last_failure;  // that attempt's detail while last_failed
};

class Spool {
 public:
  struct Options {
    std::filesystem::path directory;
    Duration deadline = std::chrono::hours(1);  // give up this long after enqueueing
    Duration initial_backoff = std::chrono::seconds(1);
    Duration max_backoff = std::chrono::minutes(5);
    double jitter = 0.2;                     // +-20 % of each backoff
    std::uintmax_t max_bytes = 64ull << 20;  // the spool refuses records beyond this
    std::size_t max_body_bytes = 8u << 20;
    // Called (outside the lock) for each delivered record with the time since it was spooled:
    // for hawatch_notification_latency_seconds.
    std::function<void(const SpoolRecord&, Duration latency)> on_delivered;
    // Called (outside the lock) for each record given up, with the last attempt's detail: the
    // daemon raises an alert of its own for it.
    std::function<void(const SpoolRecord&, const std::string& detail)> on_given_up;
  };
  // Finds the integration a record is for; null when the config no longer has it.
  using Resolver =
      std::function<Integration*(const std::string& receiver, const std::string& integration)>;
  // Per receiver and integration ("admin", "webhook/0").
  using CounterKey = std::pair<std::string, std::string>;

  // Creates the directory if needed, removes temporary files of interrupted writes, sets aside
  // (as *.corrupt) record files it cannot read, and queues the rest for delivery at once.
  // Throws hawatch::IoError when the directory is unusable.
  Spool(Options options, Resolver resolver, Time now, std::uint64_t seed = std::random_device{}());

  // Durably stores a record and returns its idempotency key. Throws SpoolError (and counts a
  // write error) when it cannot.
  std::string enqueue(const std::string& receiver, const std::string& integration, std::string body,
                      Time now);
  // Attempts every record due at `now` (network calls outside the lock); returns how many.
  std::size_t deliver_due(Time now);
  std::optional<Time> next_due() const;
  std::size_t size() const;
  std::vector<SpoolRecord> records() const;
  SpoolCounters totals() const;
  std::map<CounterKey, SpoolCounters> counters() const;

 private:
  std::filesystem::path path_of(const std::string& key) const;
  void replay(Time now);
  void finish(std::string key);  // unlink the file, drop from memory
  Duration backoff(int attempts);
  SpoolCounters& counters_for(const SpoolRecord& r);

  Options options_;
  Resolver resolver_;
  mutable std::mutex mutex_;
  std::map<std::string, SpoolRecord> records_;
  std::uintmax_t bytes_ = 0;
  std::mt19937_64 rng_;
  std::map<CounterKey, SpoolCounters> counters_;
  SpoolCounters totals_;
};

// Runs a Spool's deliveries on the system clock in a thread; wake() after an enqueue.
class SpoolWorker {
 public:
  explicit SpoolWorker(Spool& spool);
  ~SpoolWorker();
  SpoolWorker(const SpoolWorker&) = delete;
  SpoolWorker& operator=(const SpoolWorker&) = delete;
  void wake();

 private:
  void run();
  Spool& spool_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace hawatch::alerting
