// The notification log's file: one appended, checksummed record per change (not a rewrite), a
// torn last record dropped at every cut point, compaction keeping the file within twice the live
// entries, the version-1 file migrated, a failed append leaving a readable file, and hostile files
// (garbage, corrupt middle records, huge length fields, huge files) refused with the file's name.
#define BOOST_TEST_MODULE notification_log
#include "notify/notification_log.h"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <csignal>
#include <fstream>
#include <sstream>

#include "contains.h"
#include "core/file_io.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'796'283'000)};

std::string slurp(const std::filesystem::path& p) {
  return read_file(p, 64 << 20);
}

void spit(const std::filesystem::path& p, const std::string& data) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
}

std::unique_ptr<NotificationLog> open_log(const std::filesystem::path& p) {
  return std::make_unique<NotificationLog>(NotificationLog::Options{p, 120h});
}

std::string open_error(const std::filesystem::path& p) {
  try {
    open_log(p);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(opened)";
}

// Three groups logged; the file as they leave it.
std::string three_groups(const std::filesystem::path& p) {
  auto log = open_log(p);
  log->log("{}:{a=\"1\"}", "r/webhook/0", {1, 2}, {}, t0);
  log->log("{}:{a=\"2\"}", "r/webhook/0", {3}, {4}, t0 + 1s);
  log->log("{}:{a=\"3\"}", "r/webhook/0", {5}, {}, t0 + 2s);
  return slurp(p);
}
}  // namespace

BOOST_AUTO_TEST_CASE(each_change_is_one_appended_record_and_survives_a_restart) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  auto log = open_log(p);
  const std::string empty = slurp(p);
  BOOST_TEST(empty == "hawatch-nflog 2\n");
  log->log("g1", "r", {0xabc}, {0xdef}, t0);
  const std::string one = slurp(p);
  BOOST_TEST(one.substr(0, empty.size()) == empty);  // appended, not rewritten
  log->log("g2", "r", {1}, {}, t0 + 1s);
  const std::string two = slurp(p);
  BOOST_TEST(two.substr(0, one.size()) == one);
  BOOST_TEST(std::count(two.begin(), two.end(), '\n') == 3);
  BOOST_TEST(log->file_bytes() == two.size());
  log.reset();
  log = open_log(p);
  BOOST_TEST(log->size() == 2u);
  const auto e = log->query("g1", "r");
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(e->firing == std::vector<Fingerprint>{0xabc});
  BOOST_TEST(e->resolved == std::vector<Fingerprint>{0xdef});
  BOOST_TEST((e->timestamp == t0));
}

BOOST_AUTO_TEST_CASE(a_torn_last_record_is_dropped_at_every_cut_point) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  const std::string full = three_groups(p);
  const std::size_t last_start = full.rfind('\n', full.size() - 2) + 1;
  for (std::size_t cut = last_start; cut < full.size(); ++cut) {
    spit(p, full.substr(0, cut));
    std::unique_ptr<NotificationLog> log;
    BOOST_REQUIRE_NO_THROW(log = open_log(p));
    BOOST_TEST(log->size() == 2u, "cut at " << cut);
    BOOST_TEST(!log->query("{}:{a=\"3\"}", "r/webhook/0").has_value());
    // Compacted at start: the torn bytes are gone, and new records follow whole ones.
    BOOST_TEST(slurp(p) == full.substr(0, last_start));
  }
  spit(p, full);
  BOOST_TEST(open_log(p)->size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_last_record_with_a_bad_checksum_is_dropped) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  std::string full = three_groups(p);
  full[full.size() - 3] ^= 0x01;  // inside the last record's payload
  spit(p, full);
  BOOST_TEST(open_log(p)->size() == 2u);
  // Zeros where the last append was (a file system that extended the file before its data).
  const std::string good = slurp(p);
  spit(p, good + std::string(100, '\0'));
  BOOST_TEST(open_log(p)->size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_corrupt_record_before_the_end_is_an_error_naming_file_and_offset) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  std::string full = three_groups(p);
  const std::size_t first = full.find('\n') + 1;
  full[first + 40] ^= 0x01;  // in the first record's payload: checksum mismatch
  spit(p, full);
  const std::string err = open_error(p);
  BOOST_TEST(test::contains(err, p.string()), err);
  BOOST_TEST(test::contains(err, "at byte " + std::to_string(first)), err);
  BOOST_TEST(test::contains(err, "checksum"), err);
}

BOOST_AUTO_TEST_CASE(hostile_files_are_refused_with_the_file_name) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  const std::string header = "hawatch-nflog 2\n";
  const std::string good = three_groups(p);
  const std::string records = good.substr(header.size());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage\nmore garbage\n", "does not start with"},
      {"", "does not start with"},
      {header + "hello world\n" + records, "corrupt"},
      // A length no append writes, even as the last line: refused, nothing allocated for it.
      {header + "40000000 00000000 x\n", "exceeds the limit"},
      {header + records + "99999999 00000000 x\n", "exceeds the limit"},
      {header + "123456789012 00000000 x\n" + records, "not a length"},
      // Checksummed, framed, but not an entry.
      {header + "2 0d4cbb29 []\n" + records, "not a JSON object"},
  };
  for (const auto& [content, why] : cases) {
    spit(p, content);
    const std::string err = open_error(p);
    BOOST_TEST(test::contains(err, p.string()), err);
    BOOST_TEST(test::contains(err, why), err);
  }
  // A huge (sparse) file is refused before anything is read.
  spit(p, header);
  BOOST_REQUIRE(::truncate(p.c_str(), 300 << 20) == 0);
  BOOST_TEST(test::contains(open_error(p), "more than the limit"));
  // Not a file at all.
  std::filesystem::remove(p);
  std::filesystem::create_directory(p);
  BOOST_TEST(test::contains(open_error(p), p.string()));
}

BOOST_AUTO_TEST_CASE(compaction_keeps_the_file_within_twice_the_live_entries) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  auto log = open_log(p);
  std::uint64_t largest = 0;
  for (int i = 0; i < 3000; ++i) {
    log->log("g" + std::to_string(i % 3), "r", {static_cast<Fingerprint>(i)}, {}, t0 + i * 1s);
    largest = std::max(largest, log->file_bytes());
  }
  BOOST_TEST(log->size() == 3u);
  // Without compaction 3000 records (> 300 KB); with it twice the live part plus 64 KiB slack.
  BOOST_TEST(largest <= 2 * log->live_bytes() + (64 << 10) + 200);
  BOOST_TEST(log->file_bytes() == slurp(p).size());
  log.reset();
  log = open_log(p);
  const auto e = log->query("g2", "r");
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST(e->firing == std::vector<Fingerprint>{2999});
  // At start only the live entries are kept.
  BOOST_TEST(log->file_bytes() == 16 + log->live_bytes());
}

BOOST_AUTO_TEST_CASE(gc_removals_are_records_too) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  auto log = open_log(p);
  log->log("old", "r", {1}, {}, t0);
  log->log("new", "r", {2}, {}, t0 + 100h);
  BOOST_TEST(log->gc(t0 + 121h) == 1u);
  BOOST_TEST(log->size() == 1u);
  log.reset();
  log = open_log(p);
  BOOST_TEST(log->size() == 1u);
  BOOST_TEST(!log->query("old", "r").has_value());
  BOOST_TEST(log->query("new", "r").has_value());
}

BOOST_AUTO_TEST_CASE(a_version_1_file_is_read_and_rewritten_as_version_2) {
  test::TempDir dir;
  const auto p = dir.path / "nflog.json";
  const std::string key(64, 'a');
  spit(p, R"({"version":1,"entries":[{"key":")" + key +
              R"(","timestamp":1796283000000,"firing":["00000000000000ff"],"resolved":[]}]})"
              "\n");
  auto log = open_log(p);
  BOOST_TEST(log->size() == 1u);
  BOOST_TEST(slurp(p).rfind("hawatch-nflog 2\n", 0) == 0u);
  log.reset();
  log = open_log(p);
  BOOST_TEST(log->size() == 1u);
  // The same entry, found under the key version 1 wrote.
  BOOST_TEST(test::contains(slurp(p), key));
  BOOST_TEST(test::contains(slurp(p), "00000000000000ff"));
  spit(p, R"({"version":1,"entries":[{"key":"k"}]})");
  BOOST_TEST(test::contains(open_error(p), p.string() + ": bad notification log"));
}

BOOST_AUTO_TEST_CASE(a_failed_append_leaves_no_half_record_before_the_next) {
  test::TempDir dir;
  const auto p = dir.path / "nflog";
  auto log = open_log(p);
  log->log("g1", "r", {1}, {}, t0);
  const std::string before = slurp(p);
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit tight = old;
  tight.rlim_cur = before.size() + 10;  // room for a part of the next record only
  setrlimit(RLIMIT_FSIZE, &tight);
  BOOST_CHECK_THROW(log->log("g2", "r", {2}, {}, t0 + 1s), IoError);
  setrlimit(RLIMIT_FSIZE, &old);
  BOOST_TEST(!log->query("g2", "r").has_value());  // not taken
  BOOST_TEST(slurp(p) == before);                  // cut back
  log->log("g3", "r", {3}, {}, t0 + 2s);
  log.reset();
  log = open_log(p);
  BOOST_TEST(log->size() == 2u);
  BOOST_TEST(log->query("g3", "r").has_value());
}
