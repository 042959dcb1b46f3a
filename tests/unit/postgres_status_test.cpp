// The postgres collector's pure parts: parsing libpq's text rows into structs, the lag definitions
// (a blocked standby never reads 0), which standbys a primary reports on, and table-name checks.
// Runs against real servers are in tests/integration/test_replication_postgres.sh.
#define BOOST_TEST_MODULE postgres_status
#include <boost/test/unit_test.hpp>

#include "collectors/postgres/postgres_status.h"
#include "core/parse.h"

using namespace hawatch;
using namespace hawatch::pg;
using namespace std::chrono_literals;

namespace {

Row row(std::initializer_list<const char*> cells) {
  Row r;
  for (const char* c : cells) r.push_back(c ? std::optional<std::string>(c) : std::nullopt);
  return r;
}

StandbyStatus standby(std::optional<double> receive, std::optional<double> replay, const char* receiver,
                      std::optional<double> since_replay) {
  StandbyStatus s;
  s.receive_lsn = receive;
  s.replay_lsn = replay;
  if (receiver) s.wal_receiver_status = receiver;
  s.seconds_since_last_replay = since_replay;
  return s;
}

WalSender sender(std::string name, std::optional<double> replay_lsn, std::optional<double> lag_bytes,
                 std::optional<double> replay_lag) {
  WalSender s;
  s.application_name = std::move(name);
  s.state = "streaming";
  s.replay_lsn = replay_lsn;
  s.replay_lag_bytes = lag_bytes;
  s.replay_lag_seconds = replay_lag;
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(parses_pg_stat_replication_rows) {
  const auto senders = parse_wal_senders(
      {row({"7708", "standby1", "streaming", "50331648", "0", "120", "0", "0.001", "0.002", "0.003"}),
       row({"7710", "pg_basebackup", "backup", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr})});
  BOOST_TEST_REQUIRE(senders.size() == 2u);
  BOOST_TEST(senders[0].pid == 7708);
  BOOST_TEST(senders[0].application_name == "standby1");
  BOOST_TEST(*senders[0].replay_lsn == 50331648.0);
  BOOST_TEST(*senders[0].replay_lag_bytes == 0.0);
  BOOST_TEST(*senders[0].flush_lag_bytes == 120.0);
  BOOST_TEST(*senders[0].replay_lag_seconds == 0.003);
  BOOST_TEST(!senders[1].replay_lag_bytes.has_value());
}

BOOST_AUTO_TEST_CASE(parses_slots_and_standby_status) {
  const auto slots = parse_slots({row({"standby1", "physical", "f", nullptr, "16777216"})});
  BOOST_TEST_REQUIRE(slots.size() == 1u);
  BOOST_TEST(!slots[0].active);
  BOOST_TEST(!slots[0].active_pid.has_value());
  BOOST_TEST(*slots[0].retained_bytes == 16777216.0);

  const auto s = parse_standby_status({row({"50331648", "50331600", "t", "1795000000.5", "2.25", "streaming"})});
  BOOST_TEST(s.replay_paused);
  BOOST_TEST(s.streaming());
  BOOST_TEST(*s.seconds_since_last_replay == 2.25);
  const auto none = parse_standby_status({row({nullptr, "100", "f", nullptr, nullptr, nullptr})});
  BOOST_TEST(!none.streaming());
  BOOST_TEST(!none.wal_receiver_status.has_value());
  BOOST_TEST(parse_is_in_recovery({row({"t"})}));
  BOOST_TEST(!parse_is_in_recovery({row({"f"})}));
}

BOOST_AUTO_TEST_CASE(malformed_rows_name_the_query_and_column) {
  auto message = [](auto fn) {
    try {
      fn();
    } catch (const ParseError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  BOOST_TEST(message([] { parse_wal_senders({row({"1", "a"})}); }) ==
             "pg_stat_replication: expected 10 columns, got 2");
  BOOST_TEST(message([] { parse_slots({row({"s", "physical", "yes", nullptr, "1"})}); }) ==
             "pg_replication_slots: column 3: not a boolean (\"yes\")");
  BOOST_TEST(message([] { parse_standby_status({row({"x", "1", "f", nullptr, nullptr, nullptr})}); }) ==
             "standby status: column 1: not a number (\"x\")");
  BOOST_TEST(message([] { parse_standby_status({}); }) == "standby status: expected one row");
  BOOST_TEST(message([] { parse_is_in_recovery({row({nullptr})}); }) == "pg_is_in_recovery(): NULL");
}

BOOST_AUTO_TEST_CASE(standby_lag_is_zero_only_when_streaming_and_all_replayed) {
  // Streaming, nothing waiting: caught up, however old the last transaction is (idle primary).
  BOOST_TEST(*standby_lag_seconds(standby(100, 100, "streaming", 3600)) == 0.0);
  // WAL waiting to be applied (replay paused, apply delay): time since the last replayed commit.
  BOOST_TEST(*standby_lag_seconds(standby(200, 100, "streaming", 42)) == 42.0);
  // Nothing arriving (primary gone, receiver restarting): never 0, even with all received replayed.
  BOOST_TEST(*standby_lag_seconds(standby(100, 100, nullptr, 7)) == 7.0);
  BOOST_TEST(*standby_lag_seconds(standby(100, 100, "waiting", 7)) == 7.0);
  // Blocked with no transaction replayed yet: unknown, not 0.
  BOOST_TEST(!standby_lag_seconds(standby(200, 100, "streaming", std::nullopt)).has_value());
  BOOST_TEST(!standby_lag_seconds(standby(std::nullopt, 100, nullptr, std::nullopt)).has_value());
  // Primary's commit clock slightly ahead of ours: clamped to 0, not negative.
  BOOST_TEST(*standby_lag_seconds(standby(200, 100, "streaming", -0.2)) == 0.0);
}

BOOST_AUTO_TEST_CASE(primary_lag_never_reads_a_stale_replay_lag_as_current) {
  BOOST_TEST(!primary_lag_seconds(nullptr, std::nullopt).has_value());  // not connected
  const auto caught_up = sender("s", 100, 0, 0.5);
  BOOST_TEST(*primary_lag_seconds(&caught_up, 0.0) == 0.0);
  const auto idle = sender("s", 100, 0, std::nullopt);  // PostgreSQL shows NULL when idle
  BOOST_TEST(*primary_lag_seconds(&idle, 0.0) == 0.0);
  // Paused: replay_lag keeps its last (tiny) value, the replay position is stuck for 30 s.
  const auto paused = sender("s", 100, 4096, 0.002);
  BOOST_TEST(*primary_lag_seconds(&paused, 30.0) == 30.0);
  BOOST_TEST(*primary_lag_seconds(&paused, 0.0) == 0.002);
  const auto unknown = sender("s", std::nullopt, std::nullopt, std::nullopt);  // columns hidden
  BOOST_TEST(!primary_lag_seconds(&unknown, std::nullopt).has_value());
}

BOOST_AUTO_TEST_CASE(replay_progress_measures_how_long_replay_stood_still_while_behind) {
  ReplayProgress progress;
  const auto t0 = ReplayProgress::Clock::now();
  BOOST_TEST(*progress.observe(sender("s", 100, 50, {}), t0) == 0.0);
  BOOST_TEST(*progress.observe(sender("s", 100, 80, {}), t0 + 5s) == 5.0);
  BOOST_TEST(*progress.observe(sender("s", 100, 90, {}), t0 + 7s) == 7.0);
  BOOST_TEST(*progress.observe(sender("s", 150, 40, {}), t0 + 8s) == 0.0);  // moved
  BOOST_TEST(*progress.observe(sender("s", 150, 0, {}), t0 + 20s) == 0.0);  // caught up, idle
  BOOST_TEST(!progress.observe(sender("s", std::nullopt, std::nullopt, {}), t0 + 21s).has_value());
  progress.observe(sender("gone", 1, 1, {}), t0);
  progress.keep_only({"s"});
  BOOST_TEST(*progress.observe(sender("gone", 1, 1, {}), t0 + 9s) == 0.0);  // forgotten, starts anew
}

BOOST_AUTO_TEST_CASE(a_vanished_standby_stays_reported_through_its_slot_or_config) {
  std::map<std::string, std::string> slot_users;
  auto s1 = sender("node-b", 1, 0, {});
  s1.pid = 42;
  auto backup = sender("pg_basebackup", 1, 0, {});
  backup.state = "backup";
  ReplicationSlot slot{"slot_b", "physical", true, 42, 0};
  ReplicationSlot logical{"decoder", "logical", false, std::nullopt, 0};
  auto names = standby_names({s1, backup}, {slot, logical}, {"node-c"}, slot_users);
  BOOST_TEST((names == std::vector<std::string>{"node-b", "node-c"}));
  BOOST_TEST(slot_users.at("slot_b") == "node-b");
  // node-b disconnects: its slot turns inactive and still names it.
  slot.active = false;
  slot.active_pid.reset();
  names = standby_names({}, {slot}, {}, slot_users);
  BOOST_TEST((names == std::vector<std::string>{"node-b"}));
  // Never seen on its slot (hawatch started after the standby left): the slot's own name.
  std::map<std::string, std::string> fresh;
  BOOST_TEST((standby_names({}, {slot}, {}, fresh) == std::vector<std::string>{"slot_b"}));
  // Slot dropped: forgotten.
  BOOST_TEST(standby_names({}, {}, {}, slot_users).empty());
  BOOST_TEST(slot_users.empty());
}

BOOST_AUTO_TEST_CASE(table_names_are_plain_identifiers) {
  BOOST_TEST((*split_table_name("hawatch_heartbeat") == std::vector<std::string>{"hawatch_heartbeat"}));
  BOOST_TEST((*split_table_name("ops.hb$1") == std::vector<std::string>{"ops", "hb$1"}));
  BOOST_TEST((*split_table_name("_x") == std::vector<std::string>{"_x"}));
  for (const char* bad : {"", "1abc", "$x", "Heartbeat", "hb; DROP TABLE x", "a.b.c", "a.", ".a", "hb\"x",
                          "hb-x", "h b"})
    BOOST_TEST(!split_table_name(bad).has_value(), "accepted \"" << bad << "\"");
  BOOST_TEST(split_table_name(std::string(63, 'a')).has_value());
  BOOST_TEST(!split_table_name(std::string(64, 'a')).has_value());
}
