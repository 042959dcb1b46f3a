// The litestream collector's pure parts and the collector itself on real files: replica file
// names, scanning replica trees laid out as litestream 0.3.13 writes them (times set explicitly),
// the lag state machine on injected times, litestream's own /metrics (captured from v0.3.13),
// config errors with FILE:LINE:COL, and what a run reports for good, missing and broken inputs.
// Runs against a real litestream are in tests/integration/test_replication_litestream.sh.
#define BOOST_TEST_MODULE litestream
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "collector_run.h"
#include "collectors/litestream/litestream_lag.h"
#include "collectors/litestream/litestream_metrics.h"
#include "collectors/litestream/litestream_replica.h"
#include "config_errors.h"
#include "contains.h"
#include "core/collector.h"
#include "core/file_io.h"
#include "loopback_peer.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace hawatch::litestream;
using namespace std::chrono_literals;

namespace {

using hawatch::test::TempDir;

using hawatch::test::contains;

// Writes `p` (creating its directories) with the given mtime in seconds since the epoch.
void write_at(const fs::path& p, double mtime, const std::string& bytes = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
  timespec times[2];
  times[0].tv_sec = times[1].tv_sec = static_cast<time_t>(mtime);
  times[0].tv_nsec = times[1].tv_nsec =
      static_cast<long>((mtime - static_cast<double>(times[0].tv_sec)) * 1e9);
  BOOST_REQUIRE(::utimensat(AT_FDCWD, p.c_str(), times, 0) == 0);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

// ---- replica file names -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(replica_file_names) {
  BOOST_TEST(is_generation_name("754cf053a14a7365"));
  BOOST_TEST(!is_generation_name("754cf053a14a736"));
  BOOST_TEST(!is_generation_name("754CF053A14A7365"));
  BOOST_TEST(!is_generation_name("754cf053a14a7365.tmp"));

  const auto wal = parse_wal_segment_name("00000001_0061e218.wal.lz4");
  BOOST_TEST_REQUIRE(wal.has_value());
  BOOST_TEST(wal->index == 1u);
  BOOST_TEST(wal->offset == 0x61e218u);
  BOOST_TEST(!parse_wal_segment_name("00000001_0061e218.wal.lz4.tmp").has_value());
  BOOST_TEST(!parse_wal_segment_name("00000001-0061e218.wal.lz4").has_value());
  BOOST_TEST(!parse_wal_segment_name("0000001_0061e218.wal.lz4").has_value());
  BOOST_TEST(!parse_wal_segment_name(".wal.lz4").has_value());
  BOOST_TEST(!parse_wal_segment_name("").has_value());
  BOOST_TEST((WalPosition{1, 5} < WalPosition{2, 0}));
  BOOST_TEST((WalPosition{2, 5} > WalPosition{2, 4}));

  BOOST_TEST(parse_snapshot_name("0000000a.snapshot.lz4").value_or(0) == 10u);
  BOOST_TEST(!parse_snapshot_name("0000000a.snapshot.lz4.tmp").has_value());
  BOOST_TEST(!parse_snapshot_name("zzzzzzzz.snapshot.lz4").has_value());
}

// ---- replica directory scans --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(scan_finds_the_newest_write_across_generations) {
  TempDir t;
  const fs::path g1 = t.path / "generations/754cf053a14a7365";
  const fs::path g2 = t.path / "generations/9a0f0c1d2e3f4a5b";
  write_at(g1 / "snapshots/00000000.snapshot.lz4", 1000);
  write_at(g1 / "wal/00000000_00000000.wal.lz4", 1001);
  write_at(g1 / "wal/00000000_00004080.wal.lz4", 1002);
  write_at(g2 / "snapshots/00000000.snapshot.lz4", 2000);
  write_at(g2 / "wal/00000000_00000000.wal.lz4", 2001);
  write_at(g2 / "wal/00000001_00001038.wal.lz4", 2005.25);
  write_at(g2 / "wal/00000001_00000000.wal.lz4", 2003);
  // Temporary files (being written) and strays are not replica writes, however new.
  write_at(g2 / "wal/00000002_00000000.wal.lz4.tmp", 9000);
  write_at(g2 / "notes.txt", 9000);
  write_at(t.path / "generations/not-a-generation/wal/00000009_00000000.wal.lz4", 9000);

  const ReplicaState s = scan_file_replica(t.path);
  BOOST_TEST(s.generations == 2u);
  BOOST_TEST_REQUIRE(s.newest_write_seconds.has_value());
  BOOST_TEST(*s.newest_write_seconds == 2005.25, boost::test_tools::tolerance(1e-3));
  BOOST_TEST(s.newest_generation == "9a0f0c1d2e3f4a5b");
  BOOST_TEST_REQUIRE(s.newest_wal.has_value());
  BOOST_TEST((*s.newest_wal == WalPosition{1, 0x1038}));
}

BOOST_AUTO_TEST_CASE(a_fresh_snapshot_counts_as_a_replica_write) {
  TempDir t;
  const fs::path g = t.path / "generations/754cf053a14a7365";
  write_at(g / "wal/00000003_00000000.wal.lz4", 500);
  write_at(g / "snapshots/00000003.snapshot.lz4", 800);
  const ReplicaState s = scan_file_replica(t.path);
  BOOST_TEST(s.newest_write_seconds.value_or(0) == 800.0);
}

BOOST_AUTO_TEST_CASE(empty_and_missing_replicas) {
  TempDir t;
  const ReplicaState empty = scan_file_replica(t.path);  // litestream has not written yet
  BOOST_TEST(empty.generations == 0u);
  BOOST_TEST(!empty.newest_write_seconds.has_value());
  // A generation directory without snapshots/ or wal/ yet.
  fs::create_directories(t.path / "generations/754cf053a14a7365");
  const ReplicaState bare = scan_file_replica(t.path);
  BOOST_TEST(bare.generations == 1u);
  BOOST_TEST(!bare.newest_write_seconds.has_value());

  try {
    scan_file_replica(t.path / "not-mounted");
    BOOST_FAIL("a missing replica directory was accepted");
  } catch (const IoError& e) {
    BOOST_TEST(contains(e.what(), (t.path / "not-mounted").string()), e.what());
    BOOST_TEST(e.not_found());
  }
  write_at(t.path / "file", 1);
  BOOST_CHECK_THROW(scan_file_replica(t.path / "file"), IoError);
  // generations/ that is a file, not a directory: an error, not "no generations".
  TempDir u;
  write_at(u.path / "generations", 1);
  BOOST_CHECK_THROW(scan_file_replica(u.path), IoError);
}

// ---- the lag state machine ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(lag_idle_database_written_a_moment_ago_does_not_spike) {
  LagTracker lag;
  // Replica and database both last written an hour ago: caught up.
  BOOST_TEST(lag.observe(10000, 6400, 6401).value() == 0.0);
  // The application writes at 9999.5; the next run comes before litestream's next sync.
  BOOST_TEST(lag.observe(10000, 9999.5, 6401).value() == 0.5);
  // litestream syncs at 10000.8: caught up again.
  BOOST_TEST(lag.observe(10015, 9999.5, 10000.8).value() == 0.0);
  BOOST_TEST(lag.remembered() == 0u);
}

BOOST_AUTO_TEST_CASE(lag_grows_steadily_while_replication_is_stopped) {
  LagTracker lag;
  BOOST_TEST(lag.observe(100, 99, 99.5).value() == 0.0);
  // Replication stops after 99.5; writes go on every second and runs come every 5 s.
  double previous = -1;
  for (int run = 1; run <= 20; ++run) {
    const double now = 100 + 5.0 * run;
    const double value = lag.observe(now, now - 0.5, 99.5).value();
    BOOST_TEST(value == 5.0 * run - 4.5, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(value > previous);
    previous = value;
  }
  // Counted from the first write seen that the replica lacks (104.5), whatever came later.
  BOOST_TEST(lag.observe(300, 299, 99.5).value() == 300 - 104.5);
  // Replication resumes and catches up with part of the backlog: the lag now counts from the
  // oldest remembered write it still lacks.
  BOOST_TEST(lag.observe(301, 300, 150).value() == 301 - 154.5);
  // ... and with all of it.
  BOOST_TEST(lag.observe(302, 300, 300.2).value() == 0.0);
}

BOOST_AUTO_TEST_CASE(lag_stays_about_the_sync_interval_under_continuous_writes) {
  LagTracker lag;
  // Writes every 0.1 s, litestream syncs every 1 s: the replica is always up to 1 s behind.
  for (int run = 0; run < 50; ++run) {
    const double now = 1000 + 2.3 * run;
    const double replica = std::floor(now) - 0.05;  // last sync
    const auto value = lag.observe(now, now - 0.01, replica);
    BOOST_TEST_REQUIRE(value.has_value());
    BOOST_TEST(*value <= 2.3 + 1.0);
  }
  BOOST_TEST(lag.remembered() <= 2u);
}

BOOST_AUTO_TEST_CASE(lag_unknown_without_replica_and_never_negative) {
  LagTracker lag;
  BOOST_TEST(!lag.observe(100, 90, std::nullopt).has_value());  // replica unreadable
  // The write seen while the replica was unreadable still counts once it is readable again.
  BOOST_TEST(lag.observe(110, 95, 80).value() == 20.0);
  // A wall clock stepped back behind the remembered write.
  BOOST_TEST(lag.observe(50, 95, 80).value() == 0.0);
  // Database unreadable: no new write to remember, the lag is still reported.
  BOOST_TEST(lag.observe(120, std::nullopt, 80).value() == 30.0);
}

BOOST_AUTO_TEST_CASE(lag_memory_is_bounded_and_keeps_the_oldest_write) {
  LagTracker lag(8);
  for (int i = 0; i < 100; ++i) (void)lag.observe(1000 + i, 1000 + i, 10);
  BOOST_TEST(lag.remembered() == 8u);
  BOOST_TEST(lag.observe(2000, 1099, 10).value() == 1000.0);
}

// ---- litestream's /metrics ----------------------------------------------------------------------

namespace {
plugins::PromText fixture_metrics() {
  const std::string text =
      read_file(fs::path(HAWATCH_FIXTURES) / "replication/litestream-0.3.13-metrics.txt");
  auto parsed = plugins::parse_prometheus_text(text);
  BOOST_REQUIRE(parsed.errors.empty());
  return parsed;
}

const Series* find(const DbMetrics& m, const std::string& name, const Labels& labels = {}) {
  for (const auto& s : m.series)
    if (s.name == name && s.labels == labels) return &s;
  return nullptr;
}
}  // namespace

BOOST_AUTO_TEST_CASE(litestream_metrics_are_picked_per_database_and_renamed) {
  const DbMetrics m = select_db_metrics(fixture_metrics(), "/var/lib/amslpr/amslpr.db");
  BOOST_TEST(m.found);
  const Series* syncs = find(m, "hawatch_litestream_syncs_total");
  BOOST_TEST_REQUIRE(syncs != nullptr);
  BOOST_TEST(syncs->counter);
  BOOST_TEST(syncs->value == 225.0);  // not the other database's 7
  BOOST_TEST(find(m, "hawatch_litestream_sync_errors_total")->value == 0.0);
  BOOST_TEST(find(m, "hawatch_litestream_db_size_bytes")->value == 352256.0);
  BOOST_TEST(!find(m, "hawatch_litestream_db_size_bytes")->counter);
  BOOST_TEST(find(m, "hawatch_litestream_wal_size_bytes")->value == 13043952.0);
  BOOST_TEST(find(m, "hawatch_litestream_shadow_wal_index")->value == 2.0);
  const Series* checkpoints =
      find(m, "hawatch_litestream_checkpoints_total", {{"mode", "PASSIVE"}});
  BOOST_TEST_REQUIRE(checkpoints != nullptr);
  BOOST_TEST(checkpoints->value == 4.0);
  // Per replica: litestream's `name` label is the replica's name.
  BOOST_TEST(find(m, "hawatch_litestream_replica_wal_index", {{"replica", "file"}})->value == 2.0);
  BOOST_TEST(find(m, "hawatch_litestream_replica_wal_offset_bytes", {{"replica", "file"}})->value ==
             4152.0);
  BOOST_TEST(find(m, "hawatch_litestream_replica_validations_total",
                  {{"replica", "file"}, {"status", "error"}}) != nullptr);
  // Every family name is a valid, distinct Prometheus name; counters end in _total.
  for (const auto& s : m.series) {
    BOOST_TEST(plugins::valid_metric_name(s.name));
    if (s.counter) BOOST_TEST(s.name.ends_with("_total"), s.name);
  }
}

BOOST_AUTO_TEST_CASE(litestream_metrics_paths_are_compared_normalised) {
  BOOST_TEST(select_db_metrics(fixture_metrics(), "/var/lib/amslpr/./amslpr.db").found);
  BOOST_TEST(select_db_metrics(fixture_metrics(), "/var/lib//amslpr/amslpr.db").found);
  const DbMetrics missing = select_db_metrics(fixture_metrics(), "/var/lib/visigate/visigate.db");
  BOOST_TEST(!missing.found);
  BOOST_TEST(missing.series.empty());
  BOOST_TEST(missing.served.size() == 2u);
  BOOST_TEST(!select_db_metrics(plugins::parse_prometheus_text("garbage here\n"), "/a.db").found);
  BOOST_TEST(!select_db_metrics(plugins::parse_prometheus_text(""), "/a.db").found);
}

// Found by litestream_fuzz: the list of other databases is for a message (a hostile /metrics
// with many `db` values made every sample a search through it), and a `replica` label of
// litestream's own would have been a second one beside the renamed `name`.
BOOST_AUTO_TEST_CASE(litestream_metrics_from_a_hostile_server) {
  std::string text = "# TYPE litestream_db_size gauge\n";
  for (int i = 0; i < 20000; ++i)
    text += "litestream_db_size{db=\"/db" + std::to_string(i) + "\"} 1\n";
  text += "# TYPE litestream_replica_wal_index gauge\n"
          "litestream_replica_wal_index{db=\"/a.db\",name=\"file\",replica=\"x\"} 3\n";
  const auto start = std::chrono::steady_clock::now();
  const DbMetrics m = select_db_metrics(plugins::parse_prometheus_text(text), "/a.db");
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(5)));
  BOOST_TEST(m.served.size() == kMaxServedListed);
  BOOST_TEST(m.served.front() == "/db0");
  BOOST_TEST_REQUIRE(m.series.size() == 1u);
  BOOST_TEST_REQUIRE(m.series[0].labels.size() == 1u);
  BOOST_TEST(m.series[0].labels[0].name == "replica");
  BOOST_TEST(m.series[0].labels[0].value == "file");
}

// ---- config
// ---------------------------------------------------------------------------------------

using test::config_errors;

std::vector<ScheduledCollector> build(const std::string& yaml) {
  return test::build_units(yaml, "litestream/");
}

BOOST_AUTO_TEST_CASE(one_unit_per_database) {
  const auto units = build(R"(collectors:
  litestream:
    - { name: amslpr, db_path: /var/lib/amslpr/amslpr.db, replica_path: /mnt/backup/amslpr.db }
    - { name: visigate, db_path: /var/lib/visigate/visigate.db, metrics_url: "http://127.0.0.1:9090/metrics", interval: 5s, timeout: 2s }
)");
  BOOST_TEST_REQUIRE(units.size() == 2u);
  BOOST_TEST(units[0].name == "litestream/amslpr");
  BOOST_TEST(units[1].name == "litestream/visigate");
  BOOST_TEST(units[1].interval.count() == 5000);
  BOOST_TEST(units[1].timeout.count() == 2000);
  BOOST_TEST(build("collectors: {}\n").empty());  // off without a section
}

BOOST_AUTO_TEST_CASE(bad_entries_are_reported_with_positions) {
  const auto e = config_errors(R"(collectors:
  litestream:
    - { name: a, db_path: /a.db }
    - { name: b, db_path: relative.db, replica_path: /r }
    - { name: c, db_path: /c.db, replica_path: r }
    - { name: d, db_path: /d.db, metrics_url: "ftp://x/metrics" }
    - { name: a, db_path: /e.db, replica_path: /r }
    - { name: f, replica_path: /r }
    - { name: g, db_path: /g.db, replica_path: /r, replica: x }
    - { name: h, db_path: /h.db, replica_path: /r, interval: 0s }
    - just a string
    - { name: i, db_path: /i.db, metrics_url: "http://admin:secret@127.0.0.1:9090/metrics" }
)");
  BOOST_TEST(
      contains(
          e, "test.yml:3:7: \"collectors.litestream[0]\" needs replica_path, metrics_url or both"),
      e);
  BOOST_TEST(
      contains(e, "test.yml:4:27: \"collectors.litestream[1].db_path\" must be an absolute path"),
      e);
  BOOST_TEST(
      contains(e,
               "test.yml:5:48: \"collectors.litestream[2].replica_path\" must be an absolute path"),
      e);
  BOOST_TEST(contains(e, "test.yml:6:47: \"collectors.litestream[3].metrics_url\": bad URL"), e);
  BOOST_TEST(
      contains(e,
               "test.yml:7:15: \"collectors.litestream[4].name\": duplicate litestream name \"a\""),
      e);
  BOOST_TEST(contains(e, "test.yml:8:7: \"collectors.litestream[5].db_path\" is required"), e);
  BOOST_TEST(contains(e, "test.yml:9:52: unknown key \"collectors.litestream[6].replica\""), e);
  BOOST_TEST(contains(e, "test.yml:10:62: \"collectors.litestream[7].interval\" must be positive"),
             e);
  BOOST_TEST(contains(e, "test.yml:11:7: collectors.litestream[8]: expected a mapping"), e);
  BOOST_TEST(
      contains(
          e, "test.yml:12:47: \"collectors.litestream[9].metrics_url\" must not hold credentials"),
      e);
  BOOST_TEST(!contains(e, "secret"), e);
}

BOOST_AUTO_TEST_CASE(section_must_be_a_list) {
  const auto e = config_errors("collectors:\n  litestream:\n    name: amslpr\n");
  BOOST_TEST(contains(e, "test.yml:3:5: \"collectors.litestream\" must be a list"), e);
}

// ---- the collector on real files ----------------------------------------------------------------

namespace {

// A WAL-mode SQLite database like AMSLPR's, left with its -wal file (the connection stays open,
// as litestream keeps one).
class Database {
 public:
  explicit Database(const fs::path& path) {
    BOOST_REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    exec("PRAGMA journal_mode=wal; CREATE TABLE access_log(id INTEGER PRIMARY KEY, plate TEXT);");
  }
  ~Database() { sqlite3_close(db_); }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  void exec(const std::string& sql) {
    BOOST_REQUIRE(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }

 private:
  sqlite3* db_ = nullptr;
};

std::unique_ptr<Collector> make_collector(const std::string& entry) {
  const CollectorDescriptor* d = CollectorRegistry::find("litestream");
  BOOST_REQUIRE(d != nullptr);
  ConfigContext ctx("test.yml");
  const YAML::Node options = YAML::Load("[" + entry + "]");
  auto units = d->create_units(CollectorArgs{options, ctx, Environment{}, "collectors.litestream"});
  for (const auto& diag : ctx.diagnostics()) BOOST_TEST_MESSAGE(diag.to_string());
  BOOST_REQUIRE(ctx.ok());
  BOOST_REQUIRE(units.size() == 1u);
  return std::move(units.front().collector);
}

test::Run collect(Collector& c, std::chrono::milliseconds timeout = 2s) {
  return test::run_once(c, timeout);
}

// A collector for `db` that reads litestream's /metrics from a loopback port.
std::unique_ptr<Collector> metrics_collector(const fs::path& db, int port) {
  return make_collector("{ name: amslpr, db_path: " + db.string() +
                        ", metrics_url: \"http://127.0.0.1:" + std::to_string(port) +
                        "/metrics\" }");
}

long long elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

BOOST_AUTO_TEST_CASE(collector_reports_sizes_times_and_lag) {
  TempDir t;
  const fs::path db_path = t.path / "amslpr.db";
  Database db(db_path);
  db.exec("INSERT INTO access_log(plate) VALUES('AB1234');");
  const fs::path replica = t.path / "replica";
  const double now = now_seconds();
  write_at(replica / "generations/754cf053a14a7365/wal/00000000_00000000.wal.lz4", now + 5);
  auto c = make_collector("{ name: amslpr, db_path: " + db_path.string() +
                          ", replica_path: " + replica.string() + " }");

  const test::Run r = collect(*c);
  BOOST_TEST(r.problems.empty(), r.all_problems());
  const Labels name{{"name", "amslpr"}};
  const Labels pair{{"name", "amslpr"}, {"replica", replica.string()}};
  BOOST_TEST(r.find("hawatch_replication_up", name).value_or(-1) == 1.0);
  BOOST_TEST(r.find("hawatch_sqlite_db_size_bytes", name).value_or(-1) ==
             static_cast<double>(fs::file_size(db_path)));
  BOOST_TEST(r.find("hawatch_sqlite_wal_size_bytes", name).value_or(-1) ==
             static_cast<double>(fs::file_size(db_path.string() + "-wal")));
  BOOST_TEST(r.find("hawatch_sqlite_wal_size_bytes", name).value_or(0) > 0.0);
  const double last_write = r.find("hawatch_sqlite_last_write_timestamp_seconds", name).value_or(0);
  BOOST_TEST(std::abs(last_write - now) < 5.0);
  BOOST_TEST(r.find("hawatch_litestream_replica_readable", pair).value_or(-1) == 1.0);
  BOOST_TEST(r.find("hawatch_litestream_replica_generations", pair).value_or(-1) == 1.0);
  BOOST_TEST(r.find("hawatch_litestream_replica_last_write_timestamp_seconds", pair).value_or(0) ==
                 now + 5,
             boost::test_tools::tolerance(1e-3));
  BOOST_TEST(r.find("hawatch_replication_lag_seconds", pair).value_or(-1) == 0.0);
  BOOST_TEST(r.find("hawatch_replication_lag_unknown", pair).value_or(-1) == 0.0);

  // The replica falls behind: a write it lacks, then the lag counts from it (not from the
  // replica's older write).
  write_at(replica / "generations/754cf053a14a7365/wal/00000000_00000000.wal.lz4", now - 3600);
  const test::Run behind = collect(*c);
  const double lag = behind.find("hawatch_replication_lag_seconds", pair).value_or(-1);
  BOOST_TEST(lag >= 0.0);
  BOOST_TEST(lag < 60.0);
}

BOOST_AUTO_TEST_CASE(lag_state_survives_a_config_reload) {
  TempDir t;
  const fs::path db_path = t.path / "amslpr.db";
  Database db(db_path);
  const fs::path wal = db_path.string() + "-wal";
  const fs::path replica = t.path / "replica";
  const double now = now_seconds();
  write_at(replica / "generations/754cf053a14a7365/wal/00000000_00000000.wal.lz4", now - 3600);
  const std::string entry =
      "{ name: amslpr, db_path: " + db_path.string() + ", replica_path: " + replica.string() + " }";
  const Labels pair{{"name", "amslpr"}, {"replica", replica.string()}};
  auto set_wal_mtime = [&](double mtime) {
    const timespec at{static_cast<time_t>(mtime), 0};
    const timespec times[2]{at, at};
    BOOST_REQUIRE(::utimensat(AT_FDCWD, wal.c_str(), times, 0) == 0);
  };

  set_wal_mtime(now - 100);  // the replica has lacked this write for 100 s
  auto before = make_collector(entry);
  const double first = collect(*before).find("hawatch_replication_lag_seconds", pair).value_or(-1);
  BOOST_TEST(first >= 99.0);
  BOOST_TEST(first < 110.0);

  // SIGHUP builds a new collector from the same entry; a newer write arrives meanwhile.
  set_wal_mtime(now - 10);
  auto after = make_collector(entry);
  const double second = collect(*after).find("hawatch_replication_lag_seconds", pair).value_or(-1);
  BOOST_TEST(second >= first);  // still counted from the write 100 s ago, not reset to ~10 s
  BOOST_TEST(second < 110.0);
}

BOOST_AUTO_TEST_CASE(collector_missing_replica_is_unknown_lag_and_a_problem) {
  TempDir t;
  const fs::path db_path = t.path / "amslpr.db";
  Database db(db_path);
  const fs::path replica = t.path / "not-mounted";
  auto c = make_collector("{ name: amslpr, db_path: " + db_path.string() +
                          ", replica_path: " + replica.string() + " }");
  const test::Run r = collect(*c);
  const Labels pair{{"name", "amslpr"}, {"replica", replica.string()}};
  BOOST_TEST(r.find("hawatch_replication_up", {{"name", "amslpr"}}).value_or(-1) == 1.0);
  BOOST_TEST(r.find("hawatch_replication_lag_unknown", pair).value_or(-1) == 1.0);
  BOOST_TEST(!r.find("hawatch_replication_lag_seconds", pair).has_value());
  BOOST_TEST(r.find("hawatch_litestream_replica_readable", pair).value_or(-1) == 0.0);
  BOOST_TEST_REQUIRE(r.problems.size() == 1u);
  BOOST_TEST(contains(r.problems[0].message, replica.string()), r.all_problems());

  // An empty replica directory: nothing replicated yet is unknown too, and said so.
  fs::create_directories(replica);
  const test::Run empty = collect(*c);
  BOOST_TEST(empty.find("hawatch_replication_lag_unknown", pair).value_or(-1) == 1.0);
  BOOST_TEST(empty.find("hawatch_litestream_replica_generations", pair).value_or(-1) == 0.0);
  BOOST_TEST(contains(empty.all_problems(), "no snapshot or WAL segment written yet"),
             empty.all_problems());
}

BOOST_AUTO_TEST_CASE(collector_unreadable_or_foreign_database_is_down) {
  TempDir t;
  const fs::path replica = t.path / "replica";
  write_at(replica / "generations/754cf053a14a7365/wal/00000000_00000000.wal.lz4", now_seconds());
  auto missing = make_collector("{ name: a, db_path: " + (t.path / "gone.db").string() +
                                ", replica_path: " + replica.string() + " }");
  const test::Run r = collect(*missing);
  BOOST_TEST(r.find("hawatch_replication_up", {{"name", "a"}}).value_or(-1) == 0.0);
  BOOST_TEST(contains(r.all_problems(), "gone.db"), r.all_problems());
  // Without the local database nobody knows what the replica lacks: unknown, never 0.
  BOOST_TEST(
      r.find("hawatch_replication_lag_unknown", {{"name", "a"}, {"replica", replica.string()}})
          .value_or(-1) == 1.0);

  write_at(t.path / "notes.db", 1, "this is not a database at all");
  auto foreign = make_collector("{ name: b, db_path: " + (t.path / "notes.db").string() +
                                ", replica_path: " + replica.string() + " }");
  const test::Run f = collect(*foreign);
  BOOST_TEST(f.find("hawatch_replication_up", {{"name", "b"}}).value_or(-1) == 0.0);
  BOOST_TEST(contains(f.all_problems(), "not an SQLite database"), f.all_problems());
}

BOOST_AUTO_TEST_CASE(collector_unreachable_litestream_is_metrics_up_0_quickly) {
  TempDir t;
  const fs::path db_path = t.path / "amslpr.db";
  Database db(db_path);
  auto c = metrics_collector(db_path, test::closed_port());
  const auto start = std::chrono::steady_clock::now();
  const test::Run r = collect(*c);
  BOOST_TEST(elapsed_ms(start) < 2000);
  BOOST_TEST(r.find("hawatch_litestream_metrics_up", {{"name", "amslpr"}}).value_or(-1) == 0.0);
  BOOST_TEST(r.find("hawatch_replication_up", {{"name", "amslpr"}}).value_or(-1) == 1.0);
  BOOST_TEST(contains(r.all_problems(), "connect"), r.all_problems());
}

BOOST_AUTO_TEST_CASE(collector_silent_litestream_times_out_within_the_deadline) {
  // Accepts connections but never answers: a SIGSTOPped litestream looks exactly like this.
  const test::LoopbackPeer peer(test::LoopbackPeer::silent);
  TempDir t;
  const fs::path db_path = t.path / "amslpr.db";
  Database db(db_path);
  auto c = metrics_collector(db_path, peer.port());
  const auto start = std::chrono::steady_clock::now();
  const test::Run r = collect(*c, 500ms);
  const long long took = elapsed_ms(start);
  // Within the run's budget, with a margin so that the run is not discarded as timed out.
  BOOST_TEST(took < 500);
  BOOST_TEST(took >= 300);
  BOOST_TEST(r.find("hawatch_litestream_metrics_up", {{"name", "amslpr"}}).value_or(-1) == 0.0);
  BOOST_TEST(contains(r.all_problems(), "timeout"), r.all_problems());
}

BOOST_AUTO_TEST_CASE(collector_something_else_at_the_url_is_metrics_up_0) {
  const test::LoopbackPeer peer(test::LoopbackPeer::garbage);  // answers 400 Bad Request
  TempDir t;
  const fs::path db_path = t.path / "amslpr.db";
  Database db(db_path);
  auto c = metrics_collector(db_path, peer.port());
  const test::Run r = collect(*c);
  BOOST_TEST(r.find("hawatch_litestream_metrics_up", {{"name", "amslpr"}}).value_or(-1) == 0.0);
  BOOST_TEST(contains(r.all_problems(), "HTTP status 400"), r.all_problems());
}
