// The failover state machine, driven by hand with health results and time: fail_after and flap
// protection, the minimum hold time, manual and automatic failback, dry run, cas_lost adoption
// (two controllers on one record make exactly one change), the split-brain guard, retries with
// backoff, verification of the write, and reconciliation at start (a restart does not flip back).
#define BOOST_TEST_MODULE failover_controller
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <memory>

#include "audit_log.h"
#include "contains.h"
#include "controller.h"
#include "fake_dns_updater.h"
#include "state_file.h"
#include "temp_dir.h"

using namespace hawatch::alerting::failover;
using hawatch::test::contains;
using hawatch::test::FakeDnsUpdater;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};
const std::string kPrimary = "192.0.2.10";
const std::string kBackup = "192.0.2.20";

GroupConfig group(std::shared_ptr<FakeDnsUpdater> dns) {
  GroupConfig g;
  g.name = "app";
  g.record = {"example.test", "app.example.test", "A", 30};
  g.primary = kPrimary;
  g.backup = kBackup;
  g.health = {HealthSource::Kind::probe, "app"};
  g.fail_after = 3;
  g.min_hold = 30s;
  g.failback_after = 3;
  g.failback_hold = 60s;
  g.updater = std::move(dns);
  return g;
}

struct Fixture {
  std::shared_ptr<FakeDnsUpdater> dns = std::make_shared<FakeDnsUpdater>(std::vector{kPrimary});
  Controller c{group(dns)};
  Time now = t0;
  std::vector<Decision> decisions;

  void start(std::optional<PersistedState> persisted = std::nullopt) {
    c.set_gateway_reachable(true);
    c.start(persisted, now);
    drain();
  }
  void health(bool ok, int times = 1, Millis step = 1s) {
    for (int i = 0; i < times; ++i) {
      now += step;
      c.on_health(ok, now, ok ? "" : "connection refused");
      drain();
    }
  }
  void drain() {
    for (auto& d : c.take_decisions()) decisions.push_back(std::move(d));
  }
  int count(const std::string& action) const {
    return static_cast<int>(std::count_if(decisions.begin(), decisions.end(),
                                          [&](const Decision& d) { return d.action == action; }));
  }
  const Decision& last(const std::string& action) const {
    for (auto it = decisions.rbegin(); it != decisions.rend(); ++it)
      if (it->action == action) return *it;
    BOOST_FAIL("no decision " << action);
    return decisions.front();
  }
};
}  // namespace

BOOST_FIXTURE_TEST_CASE(fails_over_after_fail_after_consecutive_failures, Fixture) {
  start();
  BOOST_TEST(to_string(c.status().state) == "primary");
  health(false, 2);
  BOOST_TEST(dns->writes == 0);
  health(false);
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(dns->served == std::vector{kBackup});
  BOOST_TEST(c.status().transitions == 1u);
  const auto& d = last("fail_over");
  BOOST_TEST(d.transition);
  BOOST_TEST(contains(d.reason, "3 consecutive failed health results"));
  BOOST_TEST(contains(d.reason, "connection refused"));
  BOOST_TEST(count("verified") == 1);
  BOOST_TEST(c.take_persist_due());
}

BOOST_FIXTURE_TEST_CASE(a_success_in_between_resets_the_count, Fixture) {
  start();
  for (int i = 0; i < 5; ++i) {
    health(false, 2);
    health(true);
  }
  BOOST_TEST(dns->writes == 0);
  BOOST_TEST(to_string(c.status().state) == "primary");
}

BOOST_FIXTURE_TEST_CASE(manual_mode_never_fails_back_by_itself, Fixture) {
  start();
  health(false, 3);
  health(true, 100, 10s);
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(dns->writes == 1);
}

BOOST_FIXTURE_TEST_CASE(manual_fail_back_is_held_by_the_minimum_hold_time, Fixture) {
  start();
  health(false, 3);
  now += 10s;
  auto r = c.request_fail_back(now, "operator");
  BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(RequestOutcome::held));
  BOOST_TEST(contains(r.message, "another 20s"));
  BOOST_TEST(dns->served == std::vector{kBackup});
  now += 25s;
  r = c.request_fail_back(now, "operator");
  BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(RequestOutcome::accepted));
  BOOST_TEST(to_string(c.status().state) == "primary");
  BOOST_TEST(dns->served == std::vector{kPrimary});
  BOOST_TEST(c.status().transitions == 2u);
  r = c.request_fail_back(now + 60s, "operator");
  BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(RequestOutcome::already));
}

BOOST_FIXTURE_TEST_CASE(the_hold_time_defers_an_automatic_failover_until_it_passes, Fixture) {
  start();
  health(false, 3);
  now += 31s;
  BOOST_TEST(static_cast<int>(c.request_fail_back(now, "op").outcome) ==
             static_cast<int>(RequestOutcome::accepted));
  drain();
  health(false, 3);  // fails again at once: held, not flapping
  BOOST_TEST(dns->served == std::vector{kPrimary});
  BOOST_TEST(count("held") == 1);
  health(false, 5);
  BOOST_TEST(count("held") == 1);  // said once, not on every result
  BOOST_REQUIRE(c.next_wake().has_value());
  now = *c.next_wake();
  c.tick(now);
  drain();
  BOOST_TEST(dns->served == std::vector{kBackup});
  BOOST_TEST(c.status().transitions == 3u);
}

BOOST_FIXTURE_TEST_CASE(auto_failback_after_healthy_results_and_hold, Fixture) {
  GroupConfig g = c.config();
  g.failback_mode = FailbackMode::automatic;
  c.reconfigure(g);
  start();
  health(false, 3);
  health(true, 3, 1s);  // enough results, but only 3 s since the change: hold is 60 s
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(count("held") == 1);
  health(false);  // a relapse starts the count again
  health(true, 2, 30s);
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  health(true, 1, 30s);
  BOOST_TEST(to_string(c.status().state) == "primary");
  BOOST_TEST(dns->served == std::vector{kPrimary});
  BOOST_TEST(contains(last("fail_back").reason, "3 consecutive healthy results"));
}

BOOST_FIXTURE_TEST_CASE(dry_run_decides_and_logs_but_writes_nothing, Fixture) {
  GroupConfig g = c.config();
  g.dry_run = true;
  c.reconfigure(g);
  start();
  health(false, 3);
  BOOST_TEST(dns->writes == 0);
  BOOST_TEST(dns->served == std::vector{kPrimary});
  const auto& d = last("fail_over");
  BOOST_TEST(d.dry_run);
  BOOST_TEST(contains(d.detail, "dry run"));
  BOOST_TEST(to_string(c.status().state) == "failed_over");
}

BOOST_FIXTURE_TEST_CASE(cas_lost_adopts_the_other_nodes_change_without_a_transition, Fixture) {
  start();
  dns->changed_underneath = kBackup;  // the other node wrote between our read and our update
  health(false, 3);
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(c.status().transitions == 0u);
  BOOST_TEST(count("adopted") == 1);
  BOOST_TEST(contains(last("adopted").reason, "cas_lost"));
  BOOST_TEST(c.status().updates[1] == 1u);  // cas_lost counted
}

BOOST_AUTO_TEST_CASE(two_controllers_on_one_record_make_exactly_one_change) {
  auto dns = std::make_shared<FakeDnsUpdater>(std::vector{kPrimary});
  Controller a{group(dns)}, b{group(dns)};
  a.set_gateway_reachable(true);
  b.set_gateway_reachable(true);
  a.start(std::nullopt, t0);
  b.start(std::nullopt, t0);
  for (int i = 1; i <= 3; ++i) {
    a.on_health(false, t0 + std::chrono::seconds(i), "down");
    b.on_health(false, t0 + std::chrono::seconds(i) + 10ms, "down");
  }
  BOOST_TEST(dns->served == std::vector{kBackup});
  BOOST_TEST(dns->writes == 1);
  BOOST_TEST(a.status().transitions + b.status().transitions == 1u);
  BOOST_TEST(to_string(b.status().state) == "failed_over");
}

BOOST_AUTO_TEST_CASE(an_idle_controller_adopts_the_other_nodes_change_within_an_interval) {
  auto dns = std::make_shared<FakeDnsUpdater>(std::vector{kPrimary});
  GroupConfig g = group(dns);
  g.failback_mode = FailbackMode::automatic;
  Controller a{g}, b{g};
  a.set_gateway_reachable(true);
  b.set_gateway_reachable(true);
  a.start(std::nullopt, t0);
  b.start(std::nullopt, t0);
  // Only a sees the failure (b's probe still reaches the app).
  for (int i = 1; i <= 3; ++i) a.on_health(false, t0 + std::chrono::seconds(i), "down");
  BOOST_TEST(dns->served == std::vector{kBackup});
  b.on_health(true, t0 + 3s, "");
  b.tick(t0 + 4s);  // before the interval: not read yet
  BOOST_TEST(to_string(b.status().state) == "primary");
  BOOST_TEST(!b.next_wake().has_value());  // idle: nothing urgent, only the periodic read
  b.tick(t0 + 5s);
  BOOST_TEST(to_string(b.status().state) == "failed_over");
  BOOST_TEST(b.status().transitions == 0u);  // adopted, not a change of b's
  BOOST_TEST((b.status().last_change == t0 + 5s));  // the hold times count from the change
  BOOST_TEST(dns->writes == 1);
}

BOOST_FIXTURE_TEST_CASE(a_record_holding_a_foreign_value_is_not_overwritten, Fixture) {
  start();
  dns->changed_underneath = "198.51.100.7";
  health(false, 3);
  BOOST_TEST(dns->served == std::vector<std::string>{"198.51.100.7"});
  BOOST_TEST(to_string(c.status().state) == "unknown");
  BOOST_TEST(contains(last("aborted").reason, "nothing was overwritten"));
  const auto r = c.request_fail_over(now, "op");
  BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(RequestOutcome::unknown_state));
}

BOOST_FIXTURE_TEST_CASE(split_brain_guard_takes_no_action_when_dns_and_gateway_are_gone, Fixture) {
  start();
  dns->unreachable = true;
  c.set_gateway_reachable(false);
  health(false, 6);
  BOOST_TEST(dns->writes == 0);
  BOOST_TEST(c.status().split_brain_guard);
  BOOST_TEST(count("split_brain_guard") == 1);
  BOOST_TEST(contains(last("split_brain_guard").reason, "takes no action"));
  BOOST_TEST(to_string(c.status().state) == "primary");
  // Network back: the guard lifts and the failover goes through.
  dns->unreachable = false;
  c.set_gateway_reachable(true);
  health(false);
  BOOST_TEST(!c.status().split_brain_guard);
  BOOST_TEST(dns->served == std::vector{kBackup});
}

BOOST_FIXTURE_TEST_CASE(gateway_up_but_dns_down_retries_with_backoff, Fixture) {
  start();
  dns->unreachable = true;
  health(false, 3);
  BOOST_TEST(dns->writes == 1);
  BOOST_TEST(to_string(c.status().state) == "failing_over");
  BOOST_TEST(c.status().updates[5] == 1u);  // timeout
  BOOST_REQUIRE(c.next_wake().has_value());
  BOOST_TEST((*c.next_wake() - now == 250ms));
  now = *c.next_wake();
  c.tick(now);
  BOOST_TEST((*c.next_wake() - now == 500ms));
  dns->unreachable = false;
  now = *c.next_wake();
  c.tick(now);
  drain();
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(dns->writes == 3);
}

BOOST_FIXTURE_TEST_CASE(servfail_is_retried_and_healthy_again_aborts, Fixture) {
  start();
  dns->scripted = {FakeDnsUpdater::UpdateResult::servfail};
  health(false, 3);
  BOOST_TEST(to_string(c.status().state) == "failing_over");
  health(true);
  BOOST_TEST(to_string(c.status().state) == "primary");
  BOOST_TEST(contains(last("aborted").reason, "healthy again"));
  BOOST_TEST(!c.next_wake().has_value());
  BOOST_TEST(dns->served == std::vector{kPrimary});
}

BOOST_FIXTURE_TEST_CASE(a_manual_request_gives_up_after_its_attempts, Fixture) {
  start();
  dns->scripted.assign(10, FakeDnsUpdater::UpdateResult::refused);
  const auto r = c.request_fail_over(now, "op");
  BOOST_TEST(static_cast<int>(r.outcome) == static_cast<int>(RequestOutcome::accepted));
  while (auto wake = c.next_wake()) {
    now = *wake;
    c.tick(now);
  }
  drain();
  BOOST_TEST(dns->writes == 5);
  BOOST_TEST(count("gave_up") == 1);
  BOOST_TEST(to_string(c.status().state) == "primary");
  BOOST_TEST(c.status().updates[2] == 5u);  // refused
}

BOOST_FIXTURE_TEST_CASE(the_write_is_verified_against_the_served_answer, Fixture) {
  start();
  dns->lag_reads = 3;
  health(false, 3);
  BOOST_TEST(count("verified") == 0);
  while (auto wake = c.next_wake()) {
    now = *wake;
    c.tick(now);
  }
  drain();
  BOOST_TEST(count("verified") == 1);
  BOOST_TEST(count("not_verified") == 0);
}

BOOST_FIXTURE_TEST_CASE(an_unverified_write_is_reported_after_the_bound, Fixture) {
  start();
  dns->lag_reads = 1'000'000;
  health(false, 3);
  const Time written = now;
  while (auto wake = c.next_wake()) {
    now = *wake;
    c.tick(now);
  }
  drain();
  BOOST_TEST(count("not_verified") == 1);
  BOOST_TEST((now - written >= 10s && now - written < 11s));
  BOOST_TEST(to_string(c.status().state) == "failed_over");  // the server accepted the write
}

BOOST_FIXTURE_TEST_CASE(the_verification_follows_the_hooks_bounds, Fixture) {
  dns->set_verify_bounds({2s, 250ms});
  start();
  dns->lag_reads = 1'000'000;
  health(false, 3);
  const Time written = now;
  int reads = 0;
  while (auto wake = c.next_wake()) {
    BOOST_TEST((*wake - now == 250ms));
    now = *wake;
    c.tick(now);
    ++reads;
  }
  drain();
  BOOST_TEST(count("not_verified") == 1);
  BOOST_TEST((now - written == 2s));
  BOOST_TEST(reads == 8);
  BOOST_TEST(contains(last("not_verified").reason, "after 2s"));
}

BOOST_AUTO_TEST_CASE(restart_keeps_the_failed_over_state_and_its_hold) {
  auto dns = std::make_shared<FakeDnsUpdater>(std::vector{kBackup});
  GroupConfig g = group(dns);
  g.failback_mode = FailbackMode::automatic;
  Controller c{g};
  c.set_gateway_reachable(true);
  c.start(PersistedState{State::failed_over, t0, 4, {}, {}}, t0 + 5s);
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(c.status().transitions == 4u);
  for (int i = 1; i <= 5; ++i) c.on_health(true, t0 + 5s + std::chrono::seconds(i), "");
  BOOST_TEST(to_string(c.status().state) == "failed_over");  // hold counts from the last change
  BOOST_TEST(dns->writes == 0);
}

BOOST_AUTO_TEST_CASE(restart_in_the_middle_of_a_failover_completes_it_as_a_transition) {
  // The previous process was killed while its hook wrote the record: what it journalled says so.
  const PersistedState journalled{State::failing_over, t0, 1, "3 consecutive failed health results",
                                  t0};
  auto dns = std::make_shared<FakeDnsUpdater>(std::vector{kPrimary});
  Controller c{group(dns)};
  c.start(journalled, t0 + 1s);  // the write did not land
  BOOST_TEST(to_string(c.status().state) == "primary");
  BOOST_TEST(c.status().transitions == 1u);
  auto dns2 = std::make_shared<FakeDnsUpdater>(std::vector{kBackup});
  Controller c2{group(dns2)};
  c2.start(journalled, t0 + 1s);  // it did: the change is ours, counted and alerted once
  BOOST_TEST(to_string(c2.status().state) == "failed_over");
  BOOST_TEST(c2.status().transitions == 2u);
  const auto decisions = c2.take_decisions();
  BOOST_REQUIRE(decisions.size() == 1u);
  BOOST_TEST(decisions[0].action == "fail_over");
  BOOST_TEST(decisions[0].transition);
  BOOST_TEST(contains(decisions[0].reason, "3 consecutive failed health results"));
  BOOST_TEST(contains(decisions[0].reason, "before a restart"));
}

BOOST_AUTO_TEST_CASE(an_orphaned_write_landing_after_the_restart_is_still_our_transition) {
  auto dns = std::make_shared<FakeDnsUpdater>(std::vector{kPrimary});
  Controller c{group(dns)};
  c.set_gateway_reachable(true);
  c.start(PersistedState{State::failing_over, t0, 0, "manual", t0}, t0 + 1s);
  BOOST_TEST(to_string(c.status().state) == "primary");
  dns->served = {kBackup};  // the killed process's hook finishes now
  c.tick(t0 + 1min);        // the idle re-read
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(c.status().transitions == 1u);
  const auto decisions = c.take_decisions();
  BOOST_TEST(std::count_if(decisions.begin(), decisions.end(),
                           [](const Decision& d) { return d.transition; }) == 1);
}

BOOST_AUTO_TEST_CASE(another_nodes_change_after_a_clean_restart_is_adopted_not_counted) {
  auto dns = std::make_shared<FakeDnsUpdater>(std::vector{kPrimary});
  Controller c{group(dns)};
  c.set_gateway_reachable(true);
  c.start(PersistedState{State::primary, t0, 3, {}, {}}, t0 + 1s);
  dns->served = {kBackup};
  c.tick(t0 + 1min);
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_TEST(c.status().transitions == 3u);
}

BOOST_FIXTURE_TEST_CASE(the_intent_is_journalled_before_the_record_is_written, Fixture) {
  std::vector<PersistedState> journal;
  int writes_seen = -1;
  c.set_journal([&](const PersistedState& p) {
    journal.push_back(p);
    writes_seen = dns->writes;
  });
  start();
  health(false, 3);
  BOOST_REQUIRE(journal.size() == 1u);
  BOOST_TEST(writes_seen == 0);  // before the write
  BOOST_TEST(to_string(journal[0].state) == "failing_over");
  BOOST_TEST(contains(journal[0].intent_reason, "3 consecutive failed health results"));
  BOOST_TEST((journal[0].intent_at == now));
  BOOST_TEST((c.persisted().intent_at == Time{}));  // done: nothing pending any more
}

BOOST_AUTO_TEST_CASE(restart_without_dns_assumes_the_persisted_state_and_reconciles_later) {
  auto dns = std::make_shared<FakeDnsUpdater>(std::vector{kPrimary});
  dns->unreachable = true;
  Controller c{group(dns)};
  c.start(PersistedState{State::failed_over, t0, 1, {}, {}}, t0 + 1s);
  BOOST_TEST(to_string(c.status().state) == "failed_over");
  BOOST_REQUIRE(c.next_wake().has_value());
  dns->unreachable = false;
  c.tick(*c.next_wake());
  BOOST_TEST(to_string(c.status().state) == "primary");  // the served record wins
  BOOST_TEST(!c.next_wake().has_value());
}

BOOST_AUTO_TEST_CASE(state_file_round_trip_and_damaged_file) {
  hawatch::test::TempDir dir;
  const auto path = state_file_path(dir.path, "app");
  std::string problem;
  BOOST_TEST(!read_state_file(path, problem).has_value());
  BOOST_TEST(problem.empty());
  write_state_file(path, "app", {State::failed_over, t0 + 1500ms, 7, {}, {}});
  const auto back = read_state_file(path, problem);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(to_string(back->state) == "failed_over");
  BOOST_TEST((back->last_change == t0 + 1500ms));
  BOOST_TEST(back->transitions == 7u);
  BOOST_TEST((back->intent_at == Time{}));
  write_state_file(path, "app", {State::failing_back, t0, 7, "manual \"fail back\"", t0 + 2s});
  const auto intent = read_state_file(path, problem);
  BOOST_REQUIRE(intent.has_value());
  BOOST_TEST(intent->intent_reason == "manual \"fail back\"");
  BOOST_TEST((intent->intent_at == t0 + 2s));
  std::ofstream(path) << "{\"version\":1,\"state\":\"sideways\"";
  BOOST_TEST(!read_state_file(path, problem).has_value());
  BOOST_TEST(contains(problem, "damaged state file ignored"));
}

BOOST_AUTO_TEST_CASE(audit_lines_are_json_with_the_reason) {
  hawatch::test::TempDir dir;
  AuditLog log(dir.path / "failover-audit.jsonl");
  Decision d{t0,
             "fail_over",
             State::primary,
             State::failed_over,
             "3 failed \"probes\"\n",
             UpdateResult::ok,
             "NOERROR"};
  d.transition = true;
  log.write("app", d);
  log.write("app", d);
  std::ifstream in(dir.path / "failover-audit.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    BOOST_TEST(contains(line, R"("action":"fail_over")"));
    BOOST_TEST(contains(line, R"("reason":"3 failed \"probes\"\n")"));
    BOOST_TEST(contains(line, R"("result":"ok")"));
    BOOST_TEST(contains(line, R"("transition":true)"));
  }
  BOOST_TEST(lines == 2);
}
