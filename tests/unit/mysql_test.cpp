// The mysql collector's pure parts and config: status rows (captured from a real MariaDB 10.11,
// and MySQL 8 spellings) to ReplicaStatus, heartbeat table names, the config section with
// FILE:LINE:COL errors, and what a run reports when the server is missing or silent (real
// loopback sockets). Runs against real MariaDB servers are in tests/integration/test_replication_mysql.sh.
#define BOOST_TEST_MODULE mysql
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "collector_run.h"
#include "time_scale.h"
#include "collectors/mysql/mysql_status.h"
#include "config_errors.h"
#include "contains.h"
#include "core/parse.h"
#include "loopback_peer.h"

using namespace hawatch;
using namespace std::chrono_literals;
using mysql::IoThread;

namespace {

const std::string kFixtures = std::string(HAWATCH_FIXTURES) + "/replication/mysql/";

// Rows of the mariadb client's vertical (\G) output: "   Column: value", NULL is SQL NULL.
std::vector<mysql::Row> rows_from_vertical(const std::string& file) {
  std::ifstream in(kFixtures + file);
  BOOST_REQUIRE_MESSAGE(in, "cannot read fixture " << file);
  std::vector<mysql::Row> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("***")) {
      rows.emplace_back();
      continue;
    }
    const auto colon = line.find(": ");
    const auto bare = line.size() && line.back() == ':' ? line.size() - 1 : std::string::npos;
    const auto at = colon != std::string::npos ? colon : bare;
    BOOST_REQUIRE_MESSAGE(at != std::string::npos && !rows.empty(), file << ": bad line: " << line);
    const std::string value = at + 2 <= line.size() ? line.substr(at + 2) : "";
    rows.back()[std::string(trim(line.substr(0, at)))] =
        value == "NULL" ? std::nullopt : std::optional<std::string>(value);
  }
  return rows;
}

mysql::ReplicaStatus status_of(const std::string& file) {
  const auto rows = rows_from_vertical(file);
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  return mysql::replica_status_from_row(rows[0]);
}

using hawatch::test::contains;

std::vector<ScheduledCollector> build(const std::string& yaml) { return test::build_units(yaml, "mysql"); }

// A file under a fresh temp dir, removed with it.
struct TempFile {
  std::filesystem::path dir;
  std::filesystem::path path;
  explicit TempFile(const std::string& content) {
    char tmpl[] = "/tmp/hawatch-mysql-test.XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir / "password";
    std::ofstream(path) << content;
  }
  ~TempFile() { std::filesystem::remove_all(dir); }
};

// One run with `budget`, and how long it took.
std::pair<test::Run, double> timed_run(ScheduledCollector& c, std::chrono::milliseconds budget) {
  const auto start = std::chrono::steady_clock::now();
  auto r = test::run_once(*c.collector, budget);
  return {std::move(r), std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(status_rows)

BOOST_AUTO_TEST_CASE(mariadb_replicating) {
  for (const auto* file : {"mariadb-all-slaves-running.txt", "mariadb-slave-running.txt"}) {
    BOOST_TEST_CONTEXT(file) {
      const auto s = status_of(file);
      BOOST_TEST(s.label == "127.0.0.1:13316");  // Connection_name is empty
      BOOST_TEST(s.connection_name == "");
      BOOST_TEST(s.master_host == "127.0.0.1");
      BOOST_TEST(s.master_port == 13316u);
      BOOST_TEST(s.master_server_id.value_or(0) == 1u);
      BOOST_TEST((s.io_thread == IoThread::running));
      BOOST_TEST(s.sql_thread_running);
      BOOST_TEST(s.seconds_behind_master.value_or(-1) == 0.0);
      BOOST_TEST(s.lag_seconds().value_or(-1) == 0.0);
      BOOST_TEST(s.read_master_log_pos.value_or(0) == 1835u);
      BOOST_TEST(s.exec_master_log_pos.value_or(0) == 1835u);
      BOOST_TEST(s.relay_log_pos.value_or(0) == 2131u);
      BOOST_TEST(s.relay_log_space.value_or(0) == 2430u);
      BOOST_TEST(s.master_log_file == "binlog.000001");
      BOOST_TEST(s.relay_master_log_file == "binlog.000001");
      BOOST_TEST(s.last_io_errno == 0u);
      BOOST_TEST(s.last_sql_errno == 0u);
      BOOST_TEST(s.sql_delay.value_or(-1) == 0.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(mariadb_sql_thread_stopped_is_unknown_not_zero) {
  const auto s = status_of("mariadb-sql-stopped.txt");
  BOOST_TEST((s.io_thread == IoThread::running));
  BOOST_TEST(!s.sql_thread_running);
  BOOST_TEST(!s.seconds_behind_master.has_value());  // NULL
  BOOST_TEST(!s.lag_seconds().has_value());
}

BOOST_AUTO_TEST_CASE(mariadb_primary_killed) {
  const auto s = status_of("mariadb-primary-killed.txt");
  BOOST_TEST((s.io_thread == IoThread::connecting));
  BOOST_TEST(s.sql_thread_running);
  BOOST_TEST(!s.lag_seconds().has_value());
  BOOST_TEST(s.last_io_errno == 2003u);
  BOOST_TEST(contains(s.last_io_error, "Connection refused"));
}

BOOST_AUTO_TEST_CASE(mysql8_spellings_and_channel) {
  const auto s = status_of("mysql8-replica-sql-error.txt");
  BOOST_TEST(s.label == "east");  // Channel_Name wins over host:port
  BOOST_TEST(s.master_host == "10.0.0.1");
  BOOST_TEST(s.master_port == 3306u);
  BOOST_TEST(s.master_server_id.value_or(0) == 1u);
  BOOST_TEST((s.io_thread == IoThread::running));
  BOOST_TEST(!s.sql_thread_running);
  BOOST_TEST(!s.seconds_behind_master.has_value());
  BOOST_TEST(s.last_sql_errno == 1062u);
  BOOST_TEST(contains(s.last_sql_error, "Duplicate entry"));
  BOOST_TEST(s.read_master_log_pos.value_or(0) == 8812u);
  BOOST_TEST(s.exec_master_log_pos.value_or(0) == 927u);
  BOOST_TEST(s.master_log_file == "binlog.000004");
  BOOST_TEST(s.relay_master_log_file == "binlog.000003");

  const auto delayed = status_of("mysql8-replica-delayed.txt");
  BOOST_TEST(delayed.label == "10.0.0.1:3306");
  BOOST_TEST(delayed.lag_seconds().value_or(-1) == 7.0);
  BOOST_TEST(delayed.sql_delay.value_or(-1) == 5.0);
}

BOOST_AUTO_TEST_CASE(a_stale_number_with_a_stopped_thread_is_still_unknown) {
  auto row = rows_from_vertical("mariadb-slave-running.txt").at(0);
  row["Seconds_Behind_Master"] = "12";
  row["Slave_IO_Running"] = "No";
  const auto s = mysql::replica_status_from_row(row);
  BOOST_TEST(s.seconds_behind_master.value_or(-1) == 12.0);  // raw value kept
  BOOST_TEST(!s.lag_seconds().has_value());
  BOOST_TEST((s.io_thread == IoThread::stopped));
}

BOOST_AUTO_TEST_CASE(malformed_rows_are_parse_errors) {
  BOOST_CHECK_THROW(mysql::replica_status_from_row({}), ParseError);
  BOOST_CHECK_THROW(mysql::replica_status_from_row({{"Slave_IO_Running", "Yes"}}), ParseError);
  auto row = rows_from_vertical("mariadb-slave-running.txt").at(0);
  row["Read_Master_Log_Pos"] = "12abc";
  try {
    mysql::replica_status_from_row(row);
    BOOST_FAIL("accepted a bad number");
  } catch (const ParseError& e) {
    BOOST_TEST(contains(e.what(), "Read_Master_Log_Pos"));
  }
  row["Read_Master_Log_Pos"] = "1835";
  row["Seconds_Behind_Master"] = "-2";  // clock skew on old servers: shown, not an error
  BOOST_TEST(mysql::replica_status_from_row(row).lag_seconds().value_or(0) == -2.0);
  row["Seconds_Behind_Master"] = "soon";
  BOOST_CHECK_THROW(mysql::replica_status_from_row(row), ParseError);
  // Missing optional columns are fine: positions simply unknown.
  const auto s = mysql::replica_status_from_row({{"Slave_IO_Running", "Yes"}, {"Slave_SQL_Running", "Yes"}});
  BOOST_TEST(!s.read_master_log_pos.has_value());
  BOOST_TEST(!s.lag_seconds().has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(table_names) {
  BOOST_TEST(mysql::parse_table_name("hawatch_heartbeat")->quoted() == "`hawatch_heartbeat`");
  BOOST_TEST(mysql::parse_table_name("hawatch.heartbeat")->quoted() == "`hawatch`.`heartbeat`");
  BOOST_TEST(mysql::parse_table_name("db$1.t_2")->quoted() == "`db$1`.`t_2`");
  for (const auto* bad : {"", ".", "a.", ".b", "a.b.c", "t`x", "t x", "t;drop", "123", "a-b", "é"})
    BOOST_TEST(!mysql::parse_table_name(bad).has_value(), "accepted \"" << bad << "\"");
  BOOST_TEST(mysql::parse_table_name(std::string(64, 'x')).has_value());
  BOOST_TEST(!mysql::parse_table_name(std::string(65, 'x')).has_value());
}

BOOST_AUTO_TEST_CASE(replica_hosts_from_processlist) {
  BOOST_TEST(mysql::replica_host_from_process_host("127.0.0.1:53422") == "127.0.0.1");
  BOOST_TEST(mysql::replica_host_from_process_host("db2:53422") == "db2");
  BOOST_TEST(mysql::replica_host_from_process_host("[::1]:53422") == "::1");
  BOOST_TEST(mysql::replica_host_from_process_host("localhost") == "localhost");
  BOOST_TEST(mysql::replica_host_from_process_host("fe80::1") == "fe80::1");
}

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(one_unit_per_entry_and_one_per_heartbeat) {
  const TempFile password("s3cret\n");
  auto units = build(R"(
collectors:
  mysql:
    - { name: db1, host: 127.0.0.1, port: 13306, user: mon, password_file: ")" + password.path.string() + R"(",
        database: hawatch, heartbeat: { interval: 2s }, interval: 5s, timeout: 3s }
    - { name: db2, socket: /run/mysqld/mysqld.sock, user: mon,
        heartbeat: { table: hb.beat, interval: 500ms, timeout: 400ms } }
)");
  std::vector<std::string> names;
  for (const auto& u : units) names.push_back(u.name);
  BOOST_TEST((names == std::vector<std::string>{"mysql/db1", "mysql/db1/heartbeat", "mysql/db2", "mysql/db2/heartbeat"}));
  BOOST_TEST(units[0].interval == Duration(5s));
  BOOST_TEST(units[0].timeout == Duration(3s));
  BOOST_TEST(units[1].interval == Duration(2s));
  BOOST_TEST(units[1].timeout == Duration(2s));  // defaults to the heartbeat interval
  BOOST_TEST(units[2].interval == Duration(15s));
  BOOST_TEST(units[2].timeout == Duration(5s));
  BOOST_TEST(units[3].interval == Duration(500ms));
  BOOST_TEST(units[3].timeout == Duration(400ms));
}

BOOST_AUTO_TEST_CASE(no_section_means_off) {
  for (const auto& u : build("collectors: { node: {} }\n")) BOOST_TEST(!contains(u.name, "mysql"));
}

BOOST_AUTO_TEST_CASE(bad_entries_are_reported_with_positions) {
  const TempFile password("s3cret-in-file\n");
  const std::string file = password.path.string();
  const auto e = test::config_errors(R"(collectors:
  mysql:
    - { name: a, user: mon, password: hunter2 }
    - { name: b }
    - { name: c, user: mon, port: 70000 }
    - { name: d, user: mon, heartbeat: { table: "t`; DROP TABLE x" }, database: hawatch }
    - { name: e, user: mon, heartbeat: { table: beat } }
    - { name: f, user: mon, password_file: ")" + file + R"(", password_env: HAWATCH_TEST_NO_SUCH_VAR }
    - { name: g, user: mon, socket: run/sock }
    - { name: h, user: mon, socket: /run/sock, host: db }
    - { name: i, user: mon, password_file: /nonexistent/pw }
    - { name: j, user: mon, heartbeat: { table: a.b.c, intervall: 1s } }
    - { name: a, user: mon, passwd: x }
    - { name: "k/1", user: mon, interval: 0s, database: "x.y" }
    - { name: l, user: mon, password_env: HAWATCH_TEST_NO_SUCH_VAR }
    - { name: m, user: mon, tls: { ca_file: /nonexistent/ca.pem, cert_file: ")" + file + R"(", verify: no } }
    - { name: n, socket: /run/s, user: mon, tls: {} }
)");
  BOOST_TEST_INFO("errors:\n" << e);
  BOOST_TEST(contains(e, "test.yml:3:39: \"collectors.mysql[0].password\": passwords are not written into the config"));
  BOOST_TEST(contains(e, "test.yml:4:7: \"collectors.mysql[1]\": missing \"user\""));
  BOOST_TEST(contains(e, "test.yml:5:35: \"collectors.mysql[2].port\" must be between 1 and 65535"));
  BOOST_TEST(contains(e, "test.yml:6:49: \"collectors.mysql[3].heartbeat.table\": \"t`; DROP TABLE x\" is not a table name"));
  BOOST_TEST(contains(e, "test.yml:7:49: \"collectors.mysql[4].heartbeat.table\": \"beat\" needs a database"));
  BOOST_TEST(contains(e, "\"collectors.mysql[5].password_env\": use either password_file or password_env, not both"));
  BOOST_TEST(contains(e, "test.yml:9:37: \"collectors.mysql[6].socket\": must be an absolute path"));
  BOOST_TEST(contains(e, "\"collectors.mysql[7].socket\": give either socket or host/port"));
  BOOST_TEST(contains(e, "test.yml:11:44: \"collectors.mysql[8].password_file\": cannot read \"/nonexistent/pw\""));
  BOOST_TEST(contains(e, "\"collectors.mysql[9].heartbeat.table\": \"a.b.c\" is not a table name"));
  BOOST_TEST(contains(e, "unknown key \"collectors.mysql[9].heartbeat.intervall\""));
  BOOST_TEST(contains(e, "test.yml:13:15: \"collectors.mysql[10].name\": duplicate mysql name \"a\""));
  BOOST_TEST(contains(e, "unknown key \"collectors.mysql[10].passwd\""));
  BOOST_TEST(contains(e, "\"collectors.mysql[11].name\": \"k/1\" may only contain"));
  BOOST_TEST(contains(e, "\"collectors.mysql[11].interval\" must be positive"));
  BOOST_TEST(contains(e, "\"collectors.mysql[11].database\""));
  BOOST_TEST(contains(e, "\"collectors.mysql[12].password_env\": environment variable \"HAWATCH_TEST_NO_SUCH_VAR\" is not set"));
  BOOST_TEST(contains(e, "\"collectors.mysql[13].tls.ca_file\": cannot read \"/nonexistent/ca.pem\""));
  BOOST_TEST(contains(e, "\"collectors.mysql[13].tls.cert_file\": cert_file and key_file go together"));
  BOOST_TEST(contains(e, "unknown key \"collectors.mysql[13].tls.verify\""));
  BOOST_TEST(contains(e, "\"collectors.mysql[14].tls\": TLS is for TCP connections, not a unix socket"));
  // Secrets never reach a message, not even a wrongly written inline one.
  BOOST_TEST(!contains(e, "hunter2"));
  BOOST_TEST(!contains(e, "s3cret-in-file"));
}

BOOST_AUTO_TEST_CASE(a_mapping_instead_of_a_list_is_an_error) {
  const auto e = test::config_errors("collectors:\n  mysql: { name: a, user: mon }\n");
  BOOST_TEST(contains(e, "test.yml:2:12: \"collectors.mysql\" must be a list"), e);
}

BOOST_AUTO_TEST_CASE(password_from_the_environment) {
  ::setenv("HAWATCH_TEST_MYSQL_PASSWORD", "from-env", 1);
  const auto units = build("collectors:\n  mysql:\n    - { name: a, user: mon, password_env: HAWATCH_TEST_MYSQL_PASSWORD }\n");
  BOOST_TEST(units.size() == 1u);
  ::unsetenv("HAWATCH_TEST_MYSQL_PASSWORD");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(unreachable_server)

BOOST_AUTO_TEST_CASE(refused_connection_is_up_0_with_a_reason_and_fast) {
  auto units = build("collectors:\n  mysql:\n    - { name: gone, host: 127.0.0.1, port: " + std::to_string(test::closed_port()) +
                     ", user: mon, database: hawatch, heartbeat: {} }\n");
  BOOST_REQUIRE_EQUAL(units.size(), 2u);
  const auto [r, seconds] = timed_run(units[0], 2000ms);
  BOOST_TEST(r.value("hawatch_replication_up", {{"name", "gone"}}) == 0);
  BOOST_TEST(r.value("hawatch_mysql_error_info", {{"errno", "2002"}, {"name", "gone"}, {"reason", "cannot connect"}}) == 1);
  BOOST_TEST(!r.has("hawatch_replication_is_replica", {{"name", "gone"}}));
  BOOST_REQUIRE_EQUAL(r.problems.size(), 1u);
  BOOST_TEST(r.problem_mentions("127.0.0.1:"));
  BOOST_TEST(seconds < 0.5);
  const auto [hb, hb_seconds] = timed_run(units[1], 2000ms);
  BOOST_TEST(hb.value("hawatch_mysql_heartbeat_up", {{"name", "gone"}}) == 0);
  BOOST_TEST(!hb.has("hawatch_replication_heartbeat_age_seconds", {{"name", "gone"}}));
  BOOST_TEST(hb.problems.size() == 1u);
  BOOST_TEST(hb_seconds < 0.5);
}

BOOST_AUTO_TEST_CASE(a_silent_server_times_out_within_the_budget) {
  test::LoopbackPeer peer(test::LoopbackPeer::silent);
  auto units = build("collectors:\n  mysql:\n    - { name: hung, host: 127.0.0.1, port: " + std::to_string(peer.port()) +
                     ", user: mon }\n");
  BOOST_REQUIRE_EQUAL(units.size(), 1u);
  // 700 ms: not a whole second, which Connector/C's own timeouts could not keep to.
  const auto [r, seconds] = timed_run(units[0], 700ms);
  BOOST_TEST_INFO(r.all_problems());
  BOOST_TEST(r.value("hawatch_replication_up", {{"name", "hung"}}) == 0);
  BOOST_TEST(r.value("hawatch_mysql_error_info", {{"errno", "2013"}, {"name", "hung"}, {"reason", "timeout"}}) == 1);
  BOOST_TEST(seconds >= 0.6);
  // done before the scheduler would give up on the run
  BOOST_TEST(seconds < 0.7 * hawatch::test::time_scale());
}

BOOST_AUTO_TEST_CASE(a_peer_that_is_not_mysql_is_reported_not_crashed) {
  test::LoopbackPeer peer(test::LoopbackPeer::garbage);
  auto units = build("collectors:\n  mysql:\n    - { name: http, host: 127.0.0.1, port: " + std::to_string(peer.port()) +
                     ", user: mon }\n");
  const auto [r, seconds] = timed_run(units[0], 1000ms);
  BOOST_TEST_INFO(r.all_problems());
  BOOST_TEST(r.value("hawatch_replication_up", {{"name", "http"}}) == 0);
  BOOST_TEST(r.series("hawatch_mysql_error_info") == 1u);
  BOOST_TEST(seconds < 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
