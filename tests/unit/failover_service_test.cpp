// The failover service with a real SnapshotStore and a DnsUpdater test double: probe results
// handed on as they are published drive a failover within milliseconds; the transition becomes
// an alert; the unit "failover" shows every dns_updates result from the start; the API answers
// 409 and 404 as documented.
#define BOOST_TEST_MODULE failover_service
#include <boost/test/unit_test.hpp>
#include <thread>

#include "api.h"
#include "contains.h"
#include "fake_dns_updater.h"
#include "service.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting::failover;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
CollectorOutcome probe_outcome(double success) {
  CollectorOutcome o;
  o.collector = "probes/app";
  o.success = true;
  o.values = std::make_shared<const SeriesValues>(
      SeriesValues{{"hawatch_probe_success", {{"probe", "app"}}, success}});
  return o;
}
}  // namespace

BOOST_AUTO_TEST_CASE(probe_results_drive_a_failover_and_the_api_and_metrics_show_it) {
  test::TempDir dir;
  auto dns = std::make_shared<test::FakeDnsUpdater>(std::vector<std::string>{"192.0.2.10"});
  auto store = std::make_shared<SnapshotStore>();
  store->begin_generation(1, {"failover", "network", "probes/app"});
  std::vector<alerting::Alert> alerts;
  std::mutex alerts_mutex;
  FailoverService service(store, {dir.path,
                                  [&](std::vector<alerting::Alert> a) {
                                    std::lock_guard lock(alerts_mutex);
                                    for (auto& x : a) alerts.push_back(std::move(x));
                                  },
                                  {}});
  GroupConfig g;
  g.name = "app";
  g.record = {"example.test", "app.example.test", "A", 30};
  g.primary = "192.0.2.10";
  g.backup = "192.0.2.20";
  g.health = {HealthSource::Kind::probe, "app"};
  g.updater = dns;
  service.set_generation(1);
  service.configure({g});
  store->set_publish_listener([&](const CollectorOutcome& o) { service.observe(o); });
  CollectorOutcome net;
  net.collector = "network";
  net.values = std::make_shared<const SeriesValues>(
      SeriesValues{{"hawatch_network_gateway_reachable", {{"gateway", "default"}}, 1}});
  store->publish(1, net);
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(contains(store->current()->text(),
                      "hawatch_dns_updates_total{group=\"app\",result=\"servfail\"} 0"));
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) store->publish(1, probe_outcome(0));
  while (dns->served != std::vector<std::string>{"192.0.2.20"} &&
         std::chrono::steady_clock::now() - started < 2s)
    std::this_thread::sleep_for(1ms);
  BOOST_TEST(dns->served == std::vector<std::string>{"192.0.2.20"});
  BOOST_TEST((std::chrono::steady_clock::now() - started < 200ms));
  std::this_thread::sleep_for(50ms);
  {
    std::lock_guard lock(alerts_mutex);
    BOOST_REQUIRE(alerts.size() == 1u);
    BOOST_TEST(alerts[0].labels.at("alertname") == "FailoverTransition");
    BOOST_TEST(alerts[0].labels.at("to") == "failed_over");
  }
  BOOST_TEST(contains(store->current()->text(), "hawatch_failover_state{group=\"app\"} 1"));
  BOOST_TEST(contains(service.state_json(), "\"state\":\"failed_over\""));
  HttpRequest req;
  req.method = "POST";
  req.path = "/api/v1/failover/app/fail-back";
  auto reply = failover_action(service, req);
  BOOST_TEST(reply.status == 409);
  BOOST_TEST(contains(reply.body, "minimum hold time"));
  req.path = "/api/v1/failover/nosuch/fail-over";
  BOOST_TEST(failover_action(service, req).status == 404);
  service.stop();
  BOOST_TEST(std::filesystem::exists(dir.path / "failover-app.state"));
  BOOST_TEST(std::filesystem::exists(dir.path / "failover-audit.jsonl"));
}
