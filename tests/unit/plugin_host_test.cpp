// C-ABI plugins through build_plugin_units(): isolated in hawatch-plugin-host (a segfaulting or
// hanging plugin restarts the host and reads plugin_up 0), in process (wrong ABI, missing symbol,
// init failure are clear errors naming the file), config pass-through, the in-tree hailo and
// amslpr_db plugins, and the textfile directory.
#define BOOST_TEST_MODULE plugin_host
#include <prometheus/text_serializer.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <utime.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config.h"
#include "runtime/plugin_units.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

struct HostEnv {
  HostEnv() { ::setenv("HAWATCH_PLUGIN_HOST", HAWATCH_PLUGIN_HOST_PATH, 1); }
};
BOOST_GLOBAL_FIXTURE(HostEnv);

using hawatch::test::TempDir;

std::vector<ScheduledCollector> units(const std::string& yaml, const std::string& rootfs = "/") {
  Config cfg =
      parse_config("plugins:\n  directory: " HAWATCH_TEST_PLUGIN_DIR "\n" + yaml, "test.yml");
  Environment env;
  env.rootfs = rootfs;
  env.node_name = "testnode";
  return plugins::build_plugin_units(cfg, env);
}

struct Run {
  std::string text;
  std::string problems;
  double seconds = 0;
  bool has(const std::string& line) const { return text.find(line + "\n") != std::string::npos; }
};

Run collect(ScheduledCollector& u) {
  Run r;
  MetricSink sink;
  std::vector<CollectProblem> problems;
  const auto start = std::chrono::steady_clock::now();
  u.collector->collect(CollectContext{start + u.timeout}, sink, problems);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, sink.take());
  r.text = out.str();
  for (const auto& p : problems) r.problems += p.message + "\n";
  return r;
}

std::string load(const std::string& name, const std::string& file, const std::string& extra = "") {
  return "  load:\n    - { name: " + name + ", file: " + file + ", interval: 5s, timeout: 1s" +
         extra + " }\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(isolated_plugin_gets_config_and_reports) {
  for (const std::string mode : {"", ", in_process: true"}) {
    auto u = units(load("ok", "test_plugin_ok.so",
                        mode + ", config: { greeting: { text: 'hi there' }, status: 1 }"));
    BOOST_REQUIRE_EQUAL(u.size(), 1u);
    BOOST_TEST(u[0].name == "plugin/ok");
    Run r1 = collect(u[0]);
    Run r2 = collect(u[0]);
    BOOST_TEST(r2.has("hawatch_test_plugin_greeting{greeting=\"hi there\"} 1"), r2.text);
    BOOST_TEST(r2.has("hawatch_test_plugin_collects_total 2"), r2.text);  // state kept between runs
    BOOST_TEST(r2.has("hawatch_check_status{plugin=\"ok\",check=\"ok\"} 1"));
    BOOST_TEST(r2.has("hawatch_plugin_up{plugin=\"ok\"} 1"));
    BOOST_TEST(r2.problems.find("invalid metric name \"bad name\"") != std::string::npos,
               r2.problems);
  }
}

constexpr const char* kCrashReason = "signal 11";

// A sanitized build hands its sanitizers' options on to the host: there the crash must stay a
// real SIGSEGV that kills the host, as in production, not a report that the sanitizer run counts.
void let_segv_kill_the_host() {
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS"})
    if (const char* value = std::getenv(name))
      ::setenv(name, (std::string(value) + ":handle_segv=0").c_str(), 1);
}

BOOST_AUTO_TEST_CASE(segfault_in_host_restarts_it_and_marks_down) {
  let_segv_kill_the_host();
  auto u = units(load("crash", "test_plugin_crash.so", ", config: { crash_after: 1 }"));
  Run good = collect(u[0]);
  BOOST_TEST(good.has("hawatch_plugin_up{plugin=\"crash\"} 1"), good.text);
  Run bad = collect(u[0]);
  BOOST_TEST(bad.has("hawatch_plugin_up{plugin=\"crash\"} 0"), bad.text);
  // Under ASan the host's SEGV is caught by the sanitizer, which reports it and exits 1.
  BOOST_TEST(bad.problems.find(kCrashReason) != std::string::npos, bad.problems);
  // The next run starts a new host (first failure retries at once); it gets one good run again.
  Run again = collect(u[0]);
  BOOST_TEST(again.has("hawatch_plugin_up{plugin=\"crash\"} 1"), again.text + again.problems);
  BOOST_TEST(again.has("hawatch_plugin_host_restarts_total{plugin=\"crash\"} 2"), again.text);
}

BOOST_AUTO_TEST_CASE(hanging_plugin_is_killed_on_its_timeout) {
  auto u = units(load("hang", "test_plugin_hang.so"));
  Run r = collect(u[0]);
  BOOST_TEST(r.seconds < 1.2);
  BOOST_TEST(r.has("hawatch_plugin_up{plugin=\"hang\"} 0"), r.text);
  BOOST_TEST(r.has("hawatch_plugin_timeouts_total{plugin=\"hang\"} 1"), r.text);
}

BOOST_AUTO_TEST_CASE(load_errors_name_the_file) {
  const std::string dir = HAWATCH_TEST_PLUGIN_DIR;
  struct Case {
    std::string file, expect;
  };
  for (const auto& c :
       {Case{"test_plugin_wrong_abi.so", "plugin ABI version 99, this hawatch supports version 1"},
        Case{"test_plugin_no_entry.so", "missing symbol hawatch_plugin_entry"},
        Case{"test_plugin_init_fail.so", "init failed (7): the test plugin refuses to start"},
        Case{"nonexistent.so", "cannot load"}}) {
    for (const std::string mode : {", in_process: true", ""}) {
      auto u = units(load("p", c.file, mode));
      Run r = collect(u[0]);
      BOOST_TEST(r.has("hawatch_plugin_up{plugin=\"p\"} 0"), r.text);
      BOOST_TEST(r.problems.find(dir + "/" + c.file + ": " + c.expect) != std::string::npos,
                 c.file << mode << ": " << r.problems);
    }
  }
}

BOOST_AUTO_TEST_CASE(hailo_presence_through_rootfs) {
  TempDir root;
  const std::string plugin = std::string(HAWATCH_INTREE_PLUGIN_DIR) + "/hailo.so";
  auto u = units(load("hailo", plugin), root.path.string());
  Run missing = collect(u[0]);
  BOOST_TEST(missing.has("hawatch_hailo_device_present{device=\"/dev/hailo0\"} 0"),
             missing.text + missing.problems);
  BOOST_TEST(missing.has("hawatch_check_status{plugin=\"hailo\",check=\"hailo\"} 2"));
  fs::create_directories(root.path / "dev");
  std::ofstream(root.path / "dev/hailo0") << "";
  Run present = collect(u[0]);
  BOOST_TEST(present.has("hawatch_hailo_device_present{device=\"/dev/hailo0\"} 1"), present.text);
  BOOST_TEST(present.has("hawatch_check_status{plugin=\"hailo\",check=\"hailo\"} 0"));
}

BOOST_AUTO_TEST_CASE(amslpr_db_recent_plates) {
  TempDir dir;
  const auto db_path = dir.path / "amslpr.db";
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  const char* sql =
      "CREATE TABLE access_logs (id INTEGER PRIMARY KEY, plate_number TEXT NOT NULL, camera_id "
      "TEXT,"
      " access_granted INTEGER, timestamp TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);"
      "INSERT INTO access_logs(plate_number, camera_id, access_granted, timestamp) VALUES"
      " ('AB123CD', 'gate', 1, datetime('now', '-1 minutes')),"
      " ('AB123CD', 'gate', 1, datetime('now', '-2 minutes')),"
      " ('XY987ZZ', 'gate', 0, datetime('now', '-5 minutes')),"
      " ('OLD0001', 'gate', 1, datetime('now', '-3 hours'));";
  BOOST_REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  const std::string plugin = std::string(HAWATCH_INTREE_PLUGIN_DIR) + "/amslpr_db.so";
  auto u =
      units(load("db", plugin, ", config: { path: " + db_path.string() + ", window_minutes: 10 }"));
  Run r = collect(u[0]);
  BOOST_TEST(r.problems.empty(), r.problems);
  BOOST_TEST(r.has("hawatch_amslpr_db_up 1"), r.text);
  BOOST_TEST(r.has("hawatch_amslpr_db_quick_check_ok 1"));
  BOOST_TEST(r.has("hawatch_amslpr_db_recent_access_events 3"));
  BOOST_TEST(r.has("hawatch_amslpr_db_recent_plates 2"));
  BOOST_TEST(r.has("hawatch_check_status{plugin=\"db\",check=\"db\"} 0"));
  // Read-only: the plugin never creates a missing database.
  auto gone =
      units(load("db", plugin, ", config: { path: " + (dir.path / "missing.db").string() + " }"));
  Run g = collect(gone[0]);
  BOOST_TEST(g.has("hawatch_amslpr_db_up 0"), g.text);
  BOOST_TEST(g.problems.find("missing.db") != std::string::npos, g.problems);
  BOOST_TEST(!fs::exists(dir.path / "missing.db"));
  // A damaged file is CRITICAL, not a crash.
  std::ofstream(dir.path / "junk.db") << std::string(8192, 'x');
  auto junk =
      units(load("db", plugin, ", config: { path: " + (dir.path / "junk.db").string() + " }"));
  Run j = collect(junk[0]);
  BOOST_TEST(j.has("hawatch_amslpr_db_up 0"), j.text);
  BOOST_TEST(j.has("hawatch_check_status{plugin=\"db\",check=\"db\"} 2"));
  auto bad = units(load("db", plugin, ", config: { table: 'x; DROP TABLE y' }"));
  Run b = collect(bad[0]);
  BOOST_TEST(b.problems.find("not a plain SQL identifier") != std::string::npos, b.problems);
}

BOOST_AUTO_TEST_CASE(textfile_directory) {
  TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path / name) << text;
  };
  write(
      "good.prom",
      "# HELP backup_ok Last backup worked.\n# TYPE backup_ok gauge\nbackup_ok{db=\"amslpr\"} 1\n");
  write("half.prom", "half_metric 1\nhalf_metric{x=\"");
  write("stamped.prom", "stamped 1 1700000000000\n");
  write("dup.prom", "dup_a 1\ndup_a 2\n");
  write("zz_cross.prom",
        "backup_ok{db=\"amslpr\"} 0\n");  // the same series as good.prom (read first)
  write("ignored.txt", "not_prom 1\n");
  ::utime((dir.path / "good.prom").c_str(), nullptr);
  auto u = units("  textfile_directory: " + dir.path.string() + "\n");
  BOOST_REQUIRE_EQUAL(u.size(), 1u);
  BOOST_TEST(u[0].name == "textfile");
  Run r = collect(u[0]);
  BOOST_TEST(r.has("backup_ok{db=\"amslpr\"} 1"), r.text);
  BOOST_TEST(r.text.find("half_metric") == std::string::npos);
  BOOST_TEST(r.text.find("stamped 1") == std::string::npos);
  BOOST_TEST(r.text.find("dup_a") == std::string::npos);
  BOOST_TEST(r.text.find("not_prom") == std::string::npos);
  BOOST_TEST(r.has("hawatch_textfile_scrape_error 1"));
  for (const char* f : {"good.prom", "half.prom", "stamped.prom", "dup.prom", "zz_cross.prom"})
    BOOST_TEST(r.text.find("hawatch_textfile_mtime_seconds{file=\"" + std::string(f) + "\"} ") !=
                   std::string::npos,
               f);
  BOOST_TEST(r.problems.find("half.prom: no trailing newline") != std::string::npos, r.problems);
  BOOST_TEST(r.problems.find("stamped.prom: client-side timestamps") != std::string::npos);
  BOOST_TEST(r.problems.find("dup.prom: line 2: duplicate series") != std::string::npos);
  BOOST_TEST(
      r.problems.find("zz_cross.prom: line 1: series backup_ok already given") != std::string::npos,
      r.problems);
  for (const char* f : {"half.prom", "stamped.prom", "dup.prom", "zz_cross.prom"})
    fs::remove(dir.path / f);
  Run clean = collect(u[0]);
  BOOST_TEST(clean.has("hawatch_textfile_scrape_error 0"), clean.text);
  BOOST_TEST(clean.problems.empty(), clean.problems);
  // Files above read_file's 1 MiB default are still read, up to the textfile limit (16 MiB).
  std::string big;
  for (int i = 0; i < 60000; ++i) big += "big_series{i=\"" + std::to_string(i) + "\"} 1\n";
  BOOST_REQUIRE_GT(big.size(), 1u << 20);
  write("big.prom", big);
  Run large = collect(u[0]);
  BOOST_TEST(large.problems.empty(), large.problems);
  BOOST_TEST(large.has("big_series{i=\"59999\"} 1"));
}
