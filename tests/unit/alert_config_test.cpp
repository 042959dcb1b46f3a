// The `alerting:` section as the contract shows it: route, inhibit rules, time intervals,
// receivers with webhook_configs (other integration lists kept for their readers), spool and
// state paths; cross-references checked with positions.
#define BOOST_TEST_MODULE alert_config
#include <boost/test/unit_test.hpp>

#include "config/alerting_config.h"
#include "contains.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;

BOOST_AUTO_TEST_CASE(contract_example_reads) {
  ConfigContext ctx("hawatch.yml");
  YAML::Node doc = parse_yaml(R"(alerting:
  route:
    receiver: admin
    group_by: [alertname]
    group_wait: 5s
    group_interval: 1m
    repeat_interval: 4h
    routes: [ { matchers: ['severity="critical"'], receiver: oncall, continue: true } ]
  inhibit_rules: [ { source_matchers: ['alertname="UpsOnBattery"'], target_matchers: ['severity="warning"'], equal: [instance] } ]
  receivers:
    - name: admin
      email_configs: [ { to: admin@example.test } ]
      webhook_configs: [ { url: "http://127.0.0.1:9999/hook", send_resolved: true } ]
    - name: oncall
      webhook_configs: [ { url: "https://pager.example.test/", max_alerts: 10 } ]
  spool_directory: /var/lib/hawatch/spool
  external_url: http://pi1:9184
)",
                              ctx);
  const AlertingConfig c = read_alerting_config(doc["alerting"], ctx);
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  BOOST_REQUIRE_MESSAGE(ctx.ok(), all);
  BOOST_REQUIRE(c.route);
  BOOST_TEST(c.route->options().group_wait.count() == 5000);
  BOOST_TEST(c.route->children().size() == 1u);
  BOOST_TEST(c.inhibit_rules.size() == 1u);
  BOOST_REQUIRE(c.receivers.size() == 2u);
  BOOST_TEST(c.receivers[0].webhook_configs.at(0).external_url == "http://pi1:9184");
  BOOST_TEST(c.receivers[0].other_configs.count("email_configs") == 1u);
  BOOST_TEST(c.receivers[1].webhook_configs.at(0).max_alerts == 10u);
  BOOST_TEST(c.silences_file.string() == "/var/lib/hawatch/spool/state/silences.json");
}

BOOST_AUTO_TEST_CASE(cross_references_checked) {
  ConfigContext ctx("hawatch.yml");
  YAML::Node doc = parse_yaml(R"(alerting:
  route:
    receiver: nobody
  receivers:
    - name: admin
    - name: admin
      sms_configs: []
)",
                              ctx);
  read_alerting_config(doc["alerting"], ctx);
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  BOOST_TEST(contains(all, "hawatch.yml:3:15: alerting.route: undefined receiver \"nobody\""), all);
  BOOST_TEST(
      contains(all, "hawatch.yml:6:13: alerting.receivers[1]: receiver \"admin\" is defined twice"),
      all);
  BOOST_TEST(contains(all, "hawatch.yml:7:7: unknown key \"alerting.receivers[1].sms_configs\""),
             all);
}
