// The backups collector on real files: newest-file selection, glob handling, SQLite verification
// of good, gzipped, empty, truncated and corrupt backups, and the series the collector emits.
#define BOOST_TEST_MODULE backups
#include <boost/test/unit_test.hpp>

#include <sqlite3.h>
#include <sys/stat.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "collectors/backups/backup_files.h"
#include "collectors/backups/backup_verify.h"
#include "core/collector.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace hawatch::backup;
using namespace std::chrono_literals;

namespace {

using hawatch::test::TempDir;

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A real SQLite database shaped like AMSLPR's (plates and access events).
void make_db(const fs::path& p, int rows = 200) {
  sqlite3* db = nullptr;
  BOOST_REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
  std::string sql =
      "CREATE TABLE vehicles(id INTEGER PRIMARY KEY, plate TEXT UNIQUE, owner TEXT);"
      "CREATE TABLE access_log(id INTEGER PRIMARY KEY, plate TEXT, at TEXT, granted INTEGER);"
      "CREATE INDEX access_plate ON access_log(plate);BEGIN;";
  for (int i = 0; i < rows; ++i)
    sql += "INSERT INTO vehicles(plate, owner) VALUES('AB" + std::to_string(1000 + i) + "', 'owner " +
           std::to_string(i) + "');INSERT INTO access_log(plate, at, granted) VALUES('AB" +
           std::to_string(1000 + i) + "', '2026-11-25T10:00:00', 1);";
  sql += "COMMIT;";
  BOOST_REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

void gzip_file(const fs::path& from, const fs::path& to, std::size_t keep_bytes = std::string::npos) {
  const std::string data = read_all(from);
  gzFile gz = gzopen(to.c_str(), "wb");
  BOOST_REQUIRE(gz != nullptr);
  gzwrite(gz, data.data(), static_cast<unsigned>(data.size()));
  gzclose(gz);
  if (keep_bytes != std::string::npos) fs::resize_file(to, keep_bytes);
}

void set_mtime(const fs::path& p, double seconds_ago) {
  const auto when = fs::file_time_type::clock::now() -
                    std::chrono::duration_cast<fs::file_time_type::duration>(
                        std::chrono::duration<double>(seconds_ago));
  fs::last_write_time(p, when);
}

VerifyResult verify(const fs::path& p, const fs::path& tmp) {
  return verify_sqlite_backup(p.string(), tmp.string(), std::chrono::steady_clock::now() + 10s);
}

struct Run {
  MetricSink sink;
  std::vector<CollectProblem> problems;
  std::optional<double> value(const std::string& name) const {
    for (const auto& f : sink.families())
      if (f.name == name && !f.metric.empty()) return f.metric.front().gauge.value;
    return std::nullopt;
  }
};

std::unique_ptr<Collector> make_collector(const std::string& yaml, const fs::path& rootfs) {
  const CollectorDescriptor* d = CollectorRegistry::find("backups");
  BOOST_REQUIRE(d != nullptr);
  ConfigContext ctx("test.yml");
  Environment env;
  env.rootfs = rootfs;
  const YAML::Node options = YAML::Load(yaml);
  auto units = d->create_units(CollectorArgs{options, ctx, env, "collectors.backups"});
  BOOST_REQUIRE(ctx.ok());
  BOOST_REQUIRE(units.size() == 1u);
  return std::move(units.front().collector);
}

Run collect(Collector& c) {
  Run r;
  c.collect(CollectContext{std::chrono::steady_clock::now() + 10s}, r.sink, r.problems);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_CASE(newest_is_by_mtime_and_ties_go_to_the_later_name) {
  const std::vector<BackupFile> files{{"/b/amslpr_20261124_020000.db.gz", 100, 10},
                                      {"/b/amslpr_20261125_020000.db.gz", 300, 30},
                                      {"/b/amslpr_20261123_020000.db.gz", 300, 20},
                                      {"/b/amslpr_20261122_020000.db.gz", 50, 5}};
  const BackupSet set = summarise(files);
  BOOST_TEST(set.count == 4u);
  BOOST_TEST(set.total_bytes == 65u);
  BOOST_TEST_REQUIRE(set.newest.has_value());
  BOOST_TEST(set.newest->path == "/b/amslpr_20261125_020000.db.gz");
  BOOST_TEST(!summarise({}).newest.has_value());
}

BOOST_AUTO_TEST_CASE(glob_skips_directories_and_no_match_is_empty) {
  TempDir t;
  write_file(t.path / "amslpr_20261124_020000.db.gz", "a");
  write_file(t.path / "amslpr_20261125_020000.db.gz", "bb");
  write_file(t.path / "config_20261125.tar.gz", "ccc");
  fs::create_directory(t.path / "amslpr_dir.db.gz");
  const auto found = find_backups((t.path / "amslpr_*.db.gz").string());
  BOOST_TEST(found.size() == 2u);
  BOOST_TEST(summarise(found).total_bytes == 3u);
  BOOST_TEST(find_backups((t.path / "nothing_*.db").string()).empty());
  BOOST_TEST(find_backups("/nonexistent-hawatch-dir/*.db").empty());
}

BOOST_AUTO_TEST_CASE(verify_good_plain_and_gzipped_databases) {
  TempDir t;
  make_db(t.path / "amslpr.db");
  auto r = verify(t.path / "amslpr.db", t.path);
  BOOST_TEST(r.ok, r.detail);
  gzip_file(t.path / "amslpr.db", t.path / "amslpr_20261125_020000.db.gz");
  r = verify(t.path / "amslpr_20261125_020000.db.gz", t.path);
  BOOST_TEST(r.ok, r.detail);
  // Verification leaves nothing behind: no temp copy, no -wal/-shm/-journal.
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(t.path)) left.push_back(e.path().filename().string());
  BOOST_TEST(left.size() == 2u);
}

BOOST_AUTO_TEST_CASE(verify_catches_empty_corrupt_and_truncated_backups) {
  TempDir t;
  write_file(t.path / "empty.db", "");
  auto r = verify(t.path / "empty.db", t.path);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "empty file");

  write_file(t.path / "text.db", "this is not a database, just some text that is long enough\n");
  r = verify(t.path / "text.db", t.path);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail.find("not a database") != std::string::npos, r.detail);

  // A real database with garbage over its b-tree pages (header intact).
  make_db(t.path / "corrupt.db", 2000);
  std::string bytes = read_all(t.path / "corrupt.db");
  BOOST_REQUIRE(bytes.size() > 16384u);
  for (std::size_t i = 4096 + 100; i < bytes.size(); i += 7) bytes[i] = static_cast<char>(i * 31);
  write_file(t.path / "corrupt.db", bytes);
  r = verify(t.path / "corrupt.db", t.path);
  BOOST_TEST(!r.ok);
  BOOST_TEST(!r.detail.empty());
  BOOST_TEST_MESSAGE("corrupt database: " << r.detail);

  make_db(t.path / "good.db", 2000);
  gzip_file(t.path / "good.db", t.path / "truncated.db.gz", 200);
  r = verify(t.path / "truncated.db.gz", t.path);
  BOOST_TEST(!r.ok);
  BOOST_TEST_MESSAGE("truncated gzip: " << r.detail);

  write_file(t.path / "zero.db", "");
  gzip_file(t.path / "zero.db", t.path / "zero.db.gz");
  r = verify(t.path / "zero.db.gz", t.path);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.detail == "decompresses to zero bytes");

  write_file(t.path / "notgz.db.gz", "plain bytes, not gzip");
  r = verify(t.path / "notgz.db.gz", t.path);
  BOOST_TEST(!r.ok, r.detail);
}

BOOST_AUTO_TEST_CASE(collector_reports_fresh_stale_and_missing_backups) {
  TempDir root;
  const fs::path dir = root.path / "mnt/backup/amslpr";
  fs::create_directories(dir);
  auto c = make_collector(
      "[ { name: db, path_glob: /mnt/backup/amslpr/amslpr_*.db.gz, max_age: 26h, verify_sqlite: true } ]",
      root.path);

  // None yet: stale, age +Inf, verification failed — every series present.
  Run r = collect(*c);
  BOOST_TEST(r.problems.empty());
  BOOST_TEST(*r.value("hawatch_backup_files") == 0);
  BOOST_TEST(std::isinf(*r.value("hawatch_backup_age_seconds")));
  BOOST_TEST(*r.value("hawatch_backup_stale") == 1);
  BOOST_TEST(*r.value("hawatch_backup_last_timestamp_seconds") == 0);
  BOOST_TEST(*r.value("hawatch_backup_verify_success") == 0);

  // A fresh, good backup next to an older one.
  make_db(root.path / "src.db");
  gzip_file(root.path / "src.db", dir / "amslpr_20261124_020000.db.gz");
  set_mtime(dir / "amslpr_20261124_020000.db.gz", 30 * 3600);
  gzip_file(root.path / "src.db", dir / "amslpr_20261125_020000.db.gz");
  set_mtime(dir / "amslpr_20261125_020000.db.gz", 3600);
  r = collect(*c);
  BOOST_TEST(*r.value("hawatch_backup_files") == 2);
  BOOST_TEST(std::abs(*r.value("hawatch_backup_age_seconds") - 3600) < 60);
  BOOST_TEST(*r.value("hawatch_backup_stale") == 0);
  BOOST_TEST(*r.value("hawatch_backup_size_bytes") == fs::file_size(dir / "amslpr_20261125_020000.db.gz"));
  BOOST_TEST(*r.value("hawatch_backup_max_age_seconds") == 26 * 3600);
  BOOST_TEST(*r.value("hawatch_backup_verify_success") == 1);

  // The newest becomes a corrupt one: caught at once.
  write_file(dir / "amslpr_20261126_020000.db.gz", "");
  r = collect(*c);
  BOOST_TEST(*r.value("hawatch_backup_size_bytes") == 0);
  BOOST_TEST(*r.value("hawatch_backup_verify_success") == 0);

  // Everything old: stale.
  for (const auto& e : fs::directory_iterator(dir)) set_mtime(e.path(), 27 * 3600);
  r = collect(*c);
  BOOST_TEST(*r.value("hawatch_backup_stale") == 1);
  BOOST_TEST(*r.value("hawatch_backup_age_seconds") > 26 * 3600);
}
