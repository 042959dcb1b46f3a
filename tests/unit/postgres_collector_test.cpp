// The postgres collector as the daemon builds it from a config file: option errors with
// FILE:LINE:COL (bad DSN, bad table name, unknown keys) that never echo a secret, one unit per
// entry plus its heartbeat unit, and what a run reports when the server is missing or silent (real
// loopback sockets, bounded by the run's deadline). Runs against a real primary and standby are in
// tests/integration/test_replication_postgres.sh.
#define BOOST_TEST_MODULE postgres_collector
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "collectors/postgres/postgres_config.h"
#include "collector_run.h"
#include "config_errors.h"
#include "contains.h"
#include "core/unique_fd.h"

using namespace hawatch;
using namespace std::chrono_literals;

namespace {

using hawatch::test::contains;

std::vector<ScheduledCollector> build(const std::string& yaml) { return test::build_units(yaml, "postgres/"); }
std::string errors_of(const std::string& yaml) { return test::config_errors(yaml); }

// A loopback listener that accepts connections (the kernel does, from its backlog) and never
// answers: a half-dead server.
class SilentPeer {
 public:
  SilentPeer() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_REQUIRE(::listen(fd_.get(), 8) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  int port() const { return port_; }

 private:
  UniqueFd fd_;
  int port_ = 0;
};

int closed_port() {
  const UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// One run within `budget`, and how long it took.
std::pair<test::Run, double> timed_run(ScheduledCollector& c, std::chrono::milliseconds budget) {
  const auto start = std::chrono::steady_clock::now();
  auto r = test::run_once(*c.collector, budget);
  return {std::move(r), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

std::string entry(int port) {
  return "collectors:\n  postgres:\n    - { name: db, dsn: \"host=127.0.0.1 port=" + std::to_string(port) +
         " user=hawatch dbname=postgres\" }\n";
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_unit_per_entry_plus_its_heartbeat) {
  auto units = build(R"(
collectors:
  postgres:
    - { name: main, dsn: "host=127.0.0.1 port=5432 user=hawatch", interval: 5s, timeout: 2s,
        heartbeat: { table: ops.hb, interval: 1s } }
    - { name: other, dsn: "postgresql://hawatch@127.0.0.1:5433/postgres", standbys: [b1, b2] }
)");
  std::vector<std::string> names;
  for (const auto& u : units) names.push_back(u.name);
  BOOST_TEST((names == std::vector<std::string>{"postgres/main", "postgres/main/heartbeat", "postgres/other"}));
  BOOST_TEST(units[0].interval == Duration(5s));
  BOOST_TEST(units[0].timeout == Duration(2s));
  BOOST_TEST(units[1].interval == Duration(1s));
  BOOST_TEST(units[1].timeout == Duration(1s));  // the entry's 2 s, capped at the heartbeat interval
  BOOST_TEST(units[2].interval == Duration(15s));
}

BOOST_AUTO_TEST_CASE(no_section_means_off) {
  for (const auto& u : build("collectors: { node: {} }\n")) BOOST_TEST(!contains(u.name, "postgres"));
}

BOOST_AUTO_TEST_CASE(bad_entries_are_reported_with_positions_and_no_secret) {
  const auto e = errors_of(R"(collectors:
  postgres:
    - { name: a, dsn: "host=127.0.0.1 password=hunter2 oops" }
    - { name: b, dsn: "host=127.0.0.1 sslmod=require" }
    - { name: c, dsn: "host=127.0.0.1", heartbeat: { table: "hb; DROP TABLE x" } }
    - { name: d, dsn: "host=127.0.0.1", heartbeat: { tabel: hb, interval: 0s } }
    - { name: e, dsn: "host=127.0.0.1", passwd_file: /x }
    - { name: f }
    - { dsn: "host=127.0.0.1" }
    - { name: a, dsn: "host=127.0.0.1", password_file: /nonexistent/pw }
    - { name: g, dsn: "postgresql://u:s3cr%t@h/db" }
)");
  BOOST_TEST_INFO("errors:\n" << e);
  BOOST_TEST(contains(e, "test.yml:3:23: \"collectors.postgres[0].dsn\": not a valid libpq connection string"));
  BOOST_TEST(contains(e, "test.yml:4:23: \"collectors.postgres[1].dsn\": invalid connection option \"sslmod\""));
  BOOST_TEST(contains(e, "test.yml:5:61: \"collectors.postgres[2].heartbeat.table\": \"hb; DROP TABLE x\" is not a table name"));
  BOOST_TEST(contains(e, "test.yml:6:54: unknown key \"collectors.postgres[3].heartbeat.tabel\""));
  BOOST_TEST(contains(e, "\"collectors.postgres[3].heartbeat.interval\" must be positive"));
  BOOST_TEST(contains(e, "test.yml:7:41: unknown key \"collectors.postgres[4].passwd_file\""));
  BOOST_TEST(contains(e, "test.yml:8:7: \"collectors.postgres[5]\": missing \"dsn\""));
  BOOST_TEST(contains(e, "test.yml:9:7: \"collectors.postgres[6].name\" is required"));
  BOOST_TEST(contains(e, "test.yml:10:15: \"collectors.postgres[7].name\": duplicate postgres name \"a\""));
  BOOST_TEST(contains(e, "\"collectors.postgres[7].password_file\": cannot read \"/nonexistent/pw\""));
  BOOST_TEST(contains(e, "test.yml:11:23: \"collectors.postgres[8].dsn\": not a valid libpq connection string"));
  BOOST_TEST(!contains(e, "hunter2"));
  BOOST_TEST(!contains(e, "oops"));
  BOOST_TEST(!contains(e, "s3cr"));
}

BOOST_AUTO_TEST_CASE(a_mapping_instead_of_a_list_is_an_error) {
  const auto e = errors_of("collectors:\n  postgres: { name: a, dsn: \"host=x\" }\n");
  BOOST_TEST_INFO("errors:\n" << e);
  BOOST_TEST(contains(e, "\"collectors.postgres\" must be a list of { name, dsn, ... } entries"));
}

BOOST_AUTO_TEST_CASE(password_comes_from_the_file_and_tls_is_verified_off_loopback) {
  const auto path = std::filesystem::temp_directory_path() / "hawatch-pg-test.pw";
  std::ofstream(path) << "s3cret\r\nsecond line ignored\n";
  auto units = build("collectors:\n  postgres:\n    - { name: a, dsn: \"host=127.0.0.1\", password_file: " +
                     path.string() + " }\n");
  BOOST_TEST(units.size() == 1u);
  std::filesystem::remove(path);

  std::string why;
  auto keyword = [](const pg::ConnectOptions& o, const std::string& k) -> std::string {
    for (const auto& [key, value] : o.keywords)
      if (key == k) return value;
    return "(absent)";
  };
  BOOST_TEST(keyword(*pg::parse_dsn("host=db.example.org user=u", why), "sslmode") == "verify-full");
  BOOST_TEST(keyword(*pg::parse_dsn("host=127.0.0.1,db2.example.org", why), "sslmode") == "verify-full");
  BOOST_TEST(keyword(*pg::parse_dsn("host=db.example.org sslmode=disable", why), "sslmode") == "disable");
  for (const char* local : {"host=127.0.0.1", "host=localhost", "host=/run/postgresql", "host=::1", "user=u"})
    BOOST_TEST(keyword(*pg::parse_dsn(local, why), "sslmode") == "(absent)", local);
}

BOOST_AUTO_TEST_CASE(no_server_reads_up_0_with_a_reason_quickly) {
  auto units = build(entry(closed_port()));
  BOOST_TEST_REQUIRE(units.size() == 1u);
  const auto [r, seconds] = timed_run(units[0], 3000ms);
  BOOST_TEST(r.value("hawatch_replication_up", {{"name", "db"}}) == 0);
  BOOST_TEST(r.value("hawatch_postgres_error_info", {{"name", "db"}, {"reason", "connection failed"}}) == 1);
  BOOST_TEST(r.problem_mentions("postgres/db: connection failed: "), r.all_problems());
  BOOST_TEST(seconds < 1.0);
}

BOOST_AUTO_TEST_CASE(a_silent_server_times_out_at_the_deadline) {
  SilentPeer peer;
  auto units = build(entry(peer.port()));
  BOOST_TEST_REQUIRE(units.size() == 1u);
  const auto [r, seconds] = timed_run(units[0], 700ms);
  BOOST_TEST(r.value("hawatch_replication_up", {{"name", "db"}}) == 0);
  BOOST_TEST(r.value("hawatch_postgres_error_info", {{"name", "db"}, {"reason", "timeout"}}) == 1);
  // Ends a little before the deadline, so that the scheduler gets its samples rather than a timeout.
  BOOST_TEST(seconds >= 0.6);
  BOOST_TEST(seconds < 0.7, "took " << seconds << " s for a 0.7 s budget");
  // The next run tries again (and again stops by its deadline).
  const auto [again, again_seconds] = timed_run(units[0], 300ms);
  BOOST_TEST(again_seconds < 0.3);
  BOOST_TEST(again.value("hawatch_replication_up", {{"name", "db"}}) == 0);
}
