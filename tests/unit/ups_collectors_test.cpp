// The apcupsd and nut collectors as the daemon builds them from a config file: option errors with
// FILE:LINE:COL, one unit per UPS entry, and what a run reports when the peer is missing, silent or
// not a UPS daemon (real loopback sockets). Runs against real apcupsd/upsd are in
// tests/integration/test_ups.sh.
#define BOOST_TEST_MODULE ups_collectors
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "contains.h"
#include "core/collector_set.h"
#include "core/config.h"
#include "config_errors.h"
#include "loopback_peer.h"

using namespace hawatch;
using namespace std::chrono_literals;

namespace {

using hawatch::test::contains;

bool is_ups_unit(const ScheduledCollector& u) { return u.name.starts_with("apcupsd/") || u.name.starts_with("nut/"); }

// The UPS units a config yields (other collectors may be on by default on this host).
std::vector<ScheduledCollector> build(const std::string& yaml) {
  auto units = build_collectors(parse_config(yaml, "test.yml"), Environment{});
  std::erase_if(units, [](const ScheduledCollector& u) { return !is_ups_unit(u); });
  return units;
}

using test::config_errors;
using Peer = test::LoopbackPeer;
using test::closed_port;

struct Run {
  MetricSink sink;
  std::vector<CollectProblem> problems;
  double seconds = 0;

  std::optional<double> value(const std::string& name, const Labels& labels) const {
    for (const auto& f : sink.families())
      if (f.name == name)
        for (const auto& m : f.metric)
          if (m.label == labels) return m.gauge.value;
    return std::nullopt;
  }
  std::size_t series(const std::string& name) const {
    for (const auto& f : sink.families())
      if (f.name == name) return f.metric.size();
    return 0;
  }
};

Run run(ScheduledCollector& c, std::chrono::milliseconds budget = 2000ms) {
  Run r;
  const auto start = std::chrono::steady_clock::now();
  c.collector->collect(CollectContext{start + budget}, r.sink, r.problems);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// up 0, the reason, and all 14 flags present at 0.
void expect_down(const Run& r, const std::string& ups, const std::string& reason) {
  BOOST_TEST(r.value("hawatch_ups_up", {{"ups", ups}}).value_or(-1) == 0);
  BOOST_TEST(r.value("hawatch_ups_error_info", {{"reason", reason}, {"ups", ups}}).value_or(-1) == 1,
             "reason " << reason);
  BOOST_TEST(r.series("hawatch_ups_status") == 14u);
  BOOST_TEST(r.value("hawatch_ups_status", {{"flag", "OL"}, {"ups", ups}}).value_or(-1) == 0);
  BOOST_TEST(r.series("hawatch_ups_battery_charge_ratio") == 0u);
  BOOST_TEST(!r.problems.empty());
}

}  // namespace

BOOST_AUTO_TEST_CASE(one_unit_per_entry_with_its_own_schedule) {
  auto units = build(R"(
collectors:
  apcupsd:
    - { name: ups1, address: "127.0.0.1:3551" }
    - { name: ups2, address: "[::1]:3552", interval: 5s, timeout: 2s }
  nut:
    - { name: rack, address: "localhost", ups: dummy }
)");
  std::vector<std::string> names;
  for (const auto& u : units) names.push_back(u.name);
  BOOST_TEST((names == std::vector<std::string>{"apcupsd/ups1", "apcupsd/ups2", "nut/rack"}));
  BOOST_TEST(units[0].interval == Duration(15s));
  BOOST_TEST(units[1].interval == Duration(5s));
  BOOST_TEST(units[1].timeout == Duration(2s));
}

BOOST_AUTO_TEST_CASE(no_section_means_off) {
  for (const auto& u : build("collectors: { node: {} }\n")) {
    BOOST_TEST(!contains(u.name, "apcupsd"));
    BOOST_TEST(!contains(u.name, "nut"));
  }
}

BOOST_AUTO_TEST_CASE(enabled_by_flag_without_a_section_watches_loopback) {
  CollectorOverrides flags;
  flags.enabled = {{"apcupsd", true}, {"nut", true}, {"node", false}};
  const auto units = build_collectors(parse_config("collectors: {}\n", "test.yml"), Environment{}, flags);
  std::vector<std::string> names;
  for (const auto& u : units)
    if (is_ups_unit(u)) names.push_back(u.name);
  BOOST_TEST((names == std::vector<std::string>{"apcupsd/local", "nut/local"}));
}

BOOST_AUTO_TEST_CASE(bad_entries_are_reported_with_positions) {
  const auto e = config_errors(R"(collectors:
  apcupsd:
    - { name: ups1, address: "127.0.0.1:3551", adress: x }
    - { name: ups2 }
    - { name: ups3, address: "127.0.0.1:99999" }
    - { name: ups1, address: "127.0.0.1" }
    - { name: ups4, address: "::1:3551" }
    - { name: ups5, address: ":3551" }
    - { name: "a/b", address: "127.0.0.1:1", interval: 0s }
)");
  BOOST_TEST_INFO("errors:\n" << e);
  BOOST_TEST(contains(e, "test.yml:3:48: unknown key \"collectors.apcupsd[0].adress\""));
  BOOST_TEST(contains(e, "test.yml:4:7: \"collectors.apcupsd[1]\": missing \"address\""));
  BOOST_TEST(contains(e, "test.yml:5:30: \"collectors.apcupsd[2].address\": \"127.0.0.1:99999\": port must be"));
  BOOST_TEST(contains(e, "test.yml:6:15: \"collectors.apcupsd[3].name\": duplicate apcupsd name \"ups1\""));
  BOOST_TEST(contains(e, "test.yml:7:30: \"collectors.apcupsd[4].address\": \"::1:3551\": an IPv6 address needs brackets"));
  BOOST_TEST(contains(e, "test.yml:8:30: \"collectors.apcupsd[5].address\": \":3551\": empty host"));
  BOOST_TEST(contains(e, "test.yml:9:15: \"collectors.apcupsd[6].name\": \"a/b\" may only contain"));
  BOOST_TEST(contains(e, "test.yml:9:56: \"collectors.apcupsd[6].interval\" must be positive"));
}

BOOST_AUTO_TEST_CASE(section_must_be_a_list) {
  const auto e = config_errors("collectors:\n  nut:\n    address: \"127.0.0.1:3493\"\n");
  BOOST_TEST(contains(e, "test.yml:3:5: \"collectors.nut\" must be a list"), e);
}

BOOST_AUTO_TEST_CASE(nut_credentials) {
  const auto dir = std::filesystem::temp_directory_path() / ("hawatch-ups-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "good") << "s3cret \"quoted\"\n";
    std::ofstream(dir / "empty") << "\n";
  }
  const std::string d = dir.string();
  BOOST_CHECK_NO_THROW(build("collectors:\n  nut:\n    - { name: a, address: \"127.0.0.1:1\", username: mon, "
                             "password_file: \"" + d + "/good\" }\n"));
  const auto e = config_errors("collectors:\n  nut:\n"
                           "    - { name: a, address: \"127.0.0.1:1\", username: mon }\n"
                           "    - { name: b, address: \"127.0.0.1:1\", username: mon, password_file: \"" + d + "/missing\" }\n"
                           "    - { name: c, address: \"127.0.0.1:1\", username: mon, password_file: \"" + d + "/empty\" }\n"
                           "    - { name: d, address: \"127.0.0.1:1\", ups: \"\" }\n");
  BOOST_TEST_INFO("errors:\n" << e);
  BOOST_TEST(contains(e, "test.yml:3:52: \"collectors.nut[0]\": username and password_file go together"));
  BOOST_TEST(contains(e, "test.yml:4:72: \"collectors.nut[1].password_file\": cannot read"));
  BOOST_TEST(contains(e, "test.yml:5:72: \"collectors.nut[2].password_file\": \"" + d + "/empty\" must hold"));
  BOOST_TEST(contains(e, "test.yml:6:47: \"collectors.nut[3].ups\": must be a UPS name"));
  BOOST_TEST(!contains(e, "s3cret"));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(daemon_not_running_is_up_0_connection_refused) {
  const int port = closed_port();
  auto units = build("collectors:\n  apcupsd: [ { name: a, address: \"127.0.0.1:" + std::to_string(port) +
                     "\" } ]\n  nut: [ { name: n, address: \"127.0.0.1:" + std::to_string(port) + "\" } ]\n");
  BOOST_REQUIRE(units.size() == 2u);
  expect_down(run(units[0]), "a", "connection refused");
  expect_down(run(units[1]), "n", "connection refused");  // listing mode, nothing known yet: the entry
}

BOOST_AUTO_TEST_CASE(silent_peer_times_out_within_the_deadline) {
  Peer peer(Peer::silent);
  auto units = build("collectors:\n  apcupsd: [ { name: a, address: \"127.0.0.1:" + std::to_string(peer.port()) +
                     "\" } ]\n  nut: [ { name: n, address: \"127.0.0.1:" + std::to_string(peer.port()) +
                     "\", ups: dummy } ]\n");
  for (auto& u : units) {
    const auto r = run(u, 300ms);
    expect_down(r, u.name == "apcupsd/a" ? "a" : "n", "timeout");
    BOOST_TEST(r.seconds < 1.0, u.name << " took " << r.seconds << " s");
  }
}

BOOST_AUTO_TEST_CASE(a_peer_that_is_not_a_ups_daemon_is_a_protocol_error) {
  Peer peer(Peer::garbage);
  auto units = build("collectors:\n  apcupsd: [ { name: a, address: \"127.0.0.1:" + std::to_string(peer.port()) +
                     "\" } ]\n  nut: [ { name: n, address: \"127.0.0.1:" + std::to_string(peer.port()) + "\" } ]\n");
  expect_down(run(units[0]), "a", "protocol error");
  expect_down(run(units[1]), "n", "protocol error");
}
