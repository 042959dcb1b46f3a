// The spool: a record is on disk before any attempt and gone once delivered; failures are retried
// with exponential backoff and jitter until the deadline, then given up and counted; a permanent
// refusal is given up at once; a "crash" (the spool dropped without delivering, a torn write, a
// temp file of an interrupted enqueue) is replayed by the next Spool on the directory with the
// same idempotency keys; a full disk is an error and counted, never a silent drop.
#define BOOST_TEST_MODULE alert_spool
#include <sys/resource.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>

#include "core/file_io.h"
#include "fake_integration.h"
#include "notify/spool.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting;
using namespace std::chrono_literals;
using Outcome = DeliveryResult::Outcome;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

struct Fixture {
  test::TempDir dir;
  test::FakeIntegration fake;
  Spool::Options options() const {
    Spool::Options o;
    o.directory = dir.path / "spool";
    o.deadline = 10min;
    o.initial_backoff = 1s;
    o.max_backoff = 1min;
    o.jitter = 0.2;
    return o;
  }
  Spool::Resolver resolver() {
    return [this](const std::string& receiver, const std::string& id) -> Integration* {
      return receiver == "admin" && id == "fake/0" ? &fake : nullptr;
    };
  }
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(written_before_attempted_removed_when_delivered, Fixture) {
  Spool::Options o = options();
  std::vector<Duration> latencies;
  o.on_delivered = [&](const SpoolRecord&, Duration d) { latencies.push_back(d); };
  Spool spool(o, resolver(), t0, 1);
  const std::string key = spool.enqueue("admin", "fake/0", "body \n\x01 bytes", t0);
  const auto files = files_in(options().directory);
  BOOST_REQUIRE(files.size() == 1u);
  BOOST_TEST(files[0].filename().string() == key + ".rec");
  const SpoolRecord on_disk = decode_spool_record(read_file(files[0]));
  BOOST_TEST(on_disk.body == "body \n\x01 bytes");
  BOOST_TEST(on_disk.receiver == "admin");
  BOOST_TEST((on_disk.deadline == t0 + 10min));
  BOOST_TEST(fake.deliveries.empty());
  BOOST_TEST(spool.deliver_due(t0 + 2s) == 1u);
  BOOST_REQUIRE(fake.deliveries.size() == 1u);
  BOOST_REQUIRE(latencies.size() == 1u);
  BOOST_TEST(latencies[0].count() == 2000);
  BOOST_TEST(fake.deliveries[0].second == key);
  BOOST_TEST(files_in(options().directory).empty());
  BOOST_TEST(spool.totals().delivered == 1u);
  BOOST_TEST(spool.counters().at({"admin", "fake/0"}).delivered == 1u);
}

BOOST_FIXTURE_TEST_CASE(retries_with_exponential_backoff_and_jitter, Fixture) {
  Spool spool(options(), resolver(), t0, 42);
  fake.script = {Outcome::retry, Outcome::retry, Outcome::retry, Outcome::retry};
  const std::string key = spool.enqueue("admin", "fake/0", "b", t0);
  Time now = t0;
  std::vector<double> waits;
  for (int i = 0; i < 4; ++i) {
    BOOST_TEST(spool.deliver_due(now) == 1u);
    const Time next = spool.next_due().value();
    waits.push_back(std::chrono::duration<double>(next - now).count());
    BOOST_TEST(spool.deliver_due(next - 1ms) == 0u);  // not before its time
    now = next;
  }
  // 1 s, 2 s, 4 s, 8 s, each +-20 %.
  for (std::size_t i = 0; i < waits.size(); ++i) {
    const double base = 1 << i;
    BOOST_TEST(waits[i] >= base * 0.8);
    BOOST_TEST(waits[i] <= base * 1.2);
  }
  BOOST_TEST(spool.deliver_due(now) == 1u);  // the script is exhausted: delivered
  BOOST_TEST(fake.deliveries.size() == 5u);
  for (const auto& d : fake.deliveries) BOOST_TEST(d.second == key);  // one key for all attempts
  BOOST_TEST(spool.size() == 0u);
  BOOST_TEST(spool.totals().failed_attempts == 4u);
}

BOOST_FIXTURE_TEST_CASE(given_up_after_the_deadline, Fixture) {
  Spool spool(options(), resolver(), t0, 7);
  for (int i = 0; i < 100; ++i) fake.script.push_back(Outcome::retry);
  spool.enqueue("admin", "fake/0", "b", t0);
  Time now = t0;
  int attempts = 0;
  while (auto next = spool.next_due()) {
    now = std::max(now, *next);
    spool.deliver_due(now);
    ++attempts;
  }
  BOOST_TEST((now <= t0 + 10min));
  BOOST_TEST(attempts > 5);  // backoff capped at a minute: several attempts in ten minutes
  BOOST_TEST(spool.totals().given_up == 1u);
  BOOST_TEST(files_in(options().directory).empty());
}

BOOST_FIXTURE_TEST_CASE(permanent_refusal_and_unknown_integration_given_up, Fixture) {
  Spool spool(options(), resolver(), t0, 7);
  fake.script = {Outcome::permanent};
  spool.enqueue("admin", "fake/0", "b", t0);
  spool.enqueue("gone", "fake/0", "b", t0);
  spool.deliver_due(t0);
  BOOST_TEST(spool.size() == 0u);
  BOOST_TEST(spool.totals().given_up == 2u);
  BOOST_TEST(fake.deliveries.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(crash_then_replay, Fixture) {
  std::vector<std::string> keys;
  {
    Spool spool(options(), resolver(), t0, 3);
    for (int i = 0; i < 3; ++i) {
      keys.push_back(spool.enqueue("admin", "fake/0", "n" + std::to_string(i), t0));
    }
    // "Crash": the spool goes away with nothing delivered.
  }
  const auto spool_dir = options().directory;
  // An enqueue interrupted before its rename, a torn record and a foreign file.
  std::ofstream(spool_dir / "0123.rec.tmp.99.1") << "hawatch-spool 1\nkey: 0123\n";
  std::ofstream(spool_dir / "abcd.rec") << "hawatch-spool 1\nkey: abcd\nreceiver: admin\n"
                                           "integration: fake/0\ncreated_ms: 1\ndeadline_ms: 2\n"
                                           "body_bytes: 100\n\nshort";
  std::ofstream(spool_dir / "README") << "not ours";
  Spool again(options(), resolver(), t0 + 1min, 3);
  BOOST_TEST(again.size() == 3u);
  BOOST_TEST(again.totals().corrupt == 1u);
  BOOST_TEST(std::filesystem::exists(spool_dir / "abcd.rec.corrupt"));
  BOOST_TEST(!std::filesystem::exists(spool_dir / "0123.rec.tmp.99.1"));
  BOOST_TEST(again.deliver_due(t0 + 1min) == 3u);
  std::vector<std::string> delivered;
  for (const auto& d : fake.deliveries) delivered.push_back(d.second);
  std::sort(delivered.begin(), delivered.end());
  std::sort(keys.begin(), keys.end());
  BOOST_TEST(delivered == keys, boost::test_tools::per_element());
  BOOST_TEST(again.size() == 0u);
}

BOOST_FIXTURE_TEST_CASE(full_disk_is_an_error_not_a_drop, Fixture) {
  Spool spool(options(), resolver(), t0, 3);
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit tiny = old;
  tiny.rlim_cur = 32;  // write(2) fails with EFBIG, as it would with ENOSPC
  setrlimit(RLIMIT_FSIZE, &tiny);
  BOOST_CHECK_THROW(spool.enqueue("admin", "fake/0", std::string(1000, 'x'), t0), SpoolError);
  setrlimit(RLIMIT_FSIZE, &old);
  BOOST_TEST(spool.totals().write_errors == 1u);
  BOOST_TEST(spool.size() == 0u);
  BOOST_TEST(files_in(options().directory).empty());  // no temp file left behind
  // The spool's own limit.
  Spool::Options small = options();
  small.max_bytes = 10;
  Spool limited(small, resolver(), t0, 3);
  limited.enqueue("admin", "fake/0", "12345", t0);
  BOOST_CHECK_THROW(limited.enqueue("admin", "fake/0", "123456", t0), SpoolError);
  BOOST_TEST(limited.totals().write_errors == 1u);
}

BOOST_AUTO_TEST_CASE(record_decoding_rejects_damage) {
  SpoolRecord r{"0a-1", "re ceiver\n%", "fake/0", "body", t0, t0 + 1h, 0, {}};
  const std::string text = encode_spool_record(r);
  const SpoolRecord back = decode_spool_record(text);
  BOOST_TEST(back.receiver == r.receiver);
  BOOST_TEST(back.body == "body");
  BOOST_CHECK_THROW(decode_spool_record(text.substr(0, text.size() - 1)), std::runtime_error);
  BOOST_CHECK_THROW(decode_spool_record(text + "x"), std::runtime_error);
  BOOST_CHECK_THROW(decode_spool_record("garbage"), std::runtime_error);
  std::string bad_key = text;
  bad_key.replace(bad_key.find("0a-1"), 4, "../x");
  BOOST_CHECK_THROW(decode_spool_record(bad_key), std::runtime_error);
}

// Found by state_files_fuzz: created_ms/deadline_ms beyond the nanosecond clock's range overflowed.
BOOST_AUTO_TEST_CASE(record_times_out_of_range_are_damage) {
  SpoolRecord r{"0a-1", "admin", "fake/0", "body", t0, t0 + 1h, 0, {}};
  const std::string text = encode_spool_record(r);
  for (const char* bad : {"17330000000000000", "-5"}) {
    BOOST_TEST_CONTEXT(bad) {
      std::string damaged = text;
      const auto at = damaged.find("created_ms: ") + 12;
      damaged.replace(at, damaged.find('\n', at) - at, bad);
      BOOST_CHECK_THROW(decode_spool_record(damaged), std::runtime_error);
    }
  }
  BOOST_TEST((decode_spool_record(text).deadline == r.deadline));
}
