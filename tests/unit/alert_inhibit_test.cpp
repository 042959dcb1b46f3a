// Inhibition as Alertmanager's: a firing source inhibits targets with equal `equal` labels
// (absent counts as empty on both sides); a resolved source does not; an alert matching both
// sides is not inhibited by itself; rules read from YAML with positions.
#define BOOST_TEST_MODULE alert_inhibit
#include <boost/test/unit_test.hpp>

#include "contains.h"
#include "inhibit/inhibitor.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};

std::vector<InhibitRule> rules(const std::string& yaml, std::string* errors = nullptr) {
  ConfigContext ctx("alerting.yml");
  auto out = read_inhibit_rules(parse_yaml(yaml, ctx), ctx, "alerting.inhibit_rules");
  for (const auto& d : ctx.diagnostics()) {
    if (errors) *errors += d.to_string() + "\n";
  }
  return out;
}

Alert firing(LabelSet labels) {
  return Alert{std::move(labels), {}, t0, {}, "", t0, false};
}
}  // namespace

BOOST_AUTO_TEST_CASE(firing_source_inhibits_matching_targets_with_equal_labels) {
  std::string errors;
  Inhibitor ih(rules(R"(
- source_matchers: ['alertname="UpsOnBattery"']
  target_matchers: ['severity="warning"']
  equal: [instance]
)",
                     &errors));
  BOOST_REQUIRE_MESSAGE(errors.empty(), errors);
  const LabelSet target{{"alertname", "DiskSlow"}, {"severity", "warning"}, {"instance", "pi1"}};
  BOOST_TEST(!ih.mutes(target, t0));
  ih.observe(firing({{"alertname", "UpsOnBattery"}, {"instance", "pi1"}}));
  BOOST_TEST(ih.mutes(target, t0));
  BOOST_TEST(ih.inhibited_by(target, t0).value() ==
             fingerprint({{"alertname", "UpsOnBattery"}, {"instance", "pi1"}}));
  LabelSet other = target;
  other["instance"] = "pi2";
  BOOST_TEST(!ih.mutes(other, t0));  // equal label differs
  LabelSet critical = target;
  critical["severity"] = "critical";
  BOOST_TEST(!ih.mutes(critical, t0));  // not a target
  // Absent on both sides is equal.
  ih.observe(firing({{"alertname", "UpsOnBattery"}}));
  BOOST_TEST(ih.mutes({{"severity", "warning"}}, t0));
}

BOOST_AUTO_TEST_CASE(resolved_source_inhibits_nothing) {
  Inhibitor ih(rules("[{source_match: {a: '1'}, target_match_re: {b: '.+'}}]"));
  Alert src = firing({{"a", "1"}});
  src.ends_at = t0 + 1min;
  ih.observe(src);
  BOOST_TEST(ih.mutes({{"b", "x"}}, t0));
  BOOST_TEST(!ih.mutes({{"b", "x"}}, t0 + 1min));
  ih.gc(t0 + 2min);
  BOOST_TEST(!ih.mutes({{"b", "x"}}, t0));  // forgotten
}

BOOST_AUTO_TEST_CASE(two_sided_alert_not_inhibited_by_itself) {
  Inhibitor ih(
      rules("[{source_matchers: ['severity=~\"critical|warning\"'], "
            "target_matchers: ['severity=~\"warning|critical\"'], equal: [job]}]"));
  const LabelSet both{{"severity", "critical"}, {"job", "x"}};
  ih.observe(firing(both));
  BOOST_TEST(!ih.mutes(both, t0));
  BOOST_TEST(!ih.mutes({{"severity", "warning"}, {"job", "x"}}, t0));  // source matches target too
}

BOOST_AUTO_TEST_CASE(rule_errors_have_positions) {
  std::string errors;
  rules("- source_matchers: ['a~b']\n  target_match_re: {x: '('}\n  bogus: 1\n", &errors);
  BOOST_TEST(contains(errors,
                      "alerting.yml:1:21: alerting.inhibit_rules[0].source_matchers[0]: "
                      "matcher \"a~b\": at column 2"),
             errors);
  BOOST_TEST(contains(errors, "alerting.yml:2:24: alerting.inhibit_rules[0].target_match_re: "),
             errors);
  BOOST_TEST(contains(errors, "alerting.yml:3:3: unknown key \"alerting.inhibit_rules[0].bogus\""),
             errors);
}
