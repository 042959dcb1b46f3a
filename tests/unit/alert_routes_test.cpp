// The route tree read from YAML: children inherit their parent's options, the first matching
// child wins unless it says continue, group_by '...' groups by everything, and every config error
// is reported at its FILE:LINE:COL. (The comparison with amtool on the same config is
// tests/integration/test_alert_routes.sh.) Time intervals: ranges as Alertmanager reads them,
// evaluated in their location.
#define BOOST_TEST_MODULE alert_routes
#include <boost/test/unit_test.hpp>
#include <string>

#include "contains.h"
#include "dispatch/route_config.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {

struct Loaded {
  std::unique_ptr<Route> root;
  TimeIntervals intervals;
  std::vector<std::string> errors;
};

Loaded load(const std::string& yaml) {
  ConfigContext ctx("alerting.yml");
  YAML::Node doc = parse_yaml(yaml, ctx);
  Loaded out;
  read_time_intervals(doc["time_intervals"], ctx, "time_intervals", out.intervals);
  const std::set<std::string, std::less<>> receivers{"admin", "oncall", "dba", "power"};
  out.root = read_route(doc["route"], ctx, "alerting.route", {&receivers, &out.intervals});
  for (const auto& d : ctx.diagnostics()) out.errors.push_back(d.to_string());
  return out;
}

std::string receivers(const Route& root, const LabelSet& labels) {
  std::string out;
  for (const Route* r : root.match(labels)) out += (out.empty() ? "" : ",") + r->options().receiver;
  return out;
}

const char* kTree = R"(
route:
  receiver: admin
  group_by: [alertname]
  group_wait: 10s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: oncall
      group_interval: 2m
      continue: true
      routes:
        - matchers: ['team="db"']
          receiver: dba
    - match: { team: db }
      receiver: dba
      group_by: ['...']
    - match_re: { alertname: 'Ups.*' }
      receiver: power
)";

}  // namespace

BOOST_AUTO_TEST_CASE(first_match_wins_unless_continue) {
  Loaded l = load(kTree);
  BOOST_REQUIRE_MESSAGE(l.errors.empty(), (l.errors.empty() ? std::string() : l.errors.front()));
  BOOST_TEST(receivers(*l.root, {{"alertname", "X"}}) == "admin");
  BOOST_TEST(receivers(*l.root, {{"severity", "critical"}}) == "oncall");
  // critical continues to the next sibling; its own child catches team=db first.
  BOOST_TEST(receivers(*l.root, {{"severity", "critical"}, {"team", "db"}}) == "dba,dba");
  BOOST_TEST(receivers(*l.root, {{"team", "db"}, {"alertname", "UpsOnBattery"}}) == "dba");
  BOOST_TEST(receivers(*l.root, {{"alertname", "UpsOnBattery"}}) == "power");
  BOOST_TEST(receivers(*l.root, {{"alertname", "xUps"}}) == "admin");  // anchored
}

BOOST_AUTO_TEST_CASE(children_inherit_unless_they_set) {
  Loaded l = load(kTree);
  BOOST_REQUIRE(l.errors.empty());
  const Route& critical = *l.root->children()[0];
  const Route& db = *critical.children()[0];
  BOOST_TEST(critical.options().group_wait.count() == 10000);       // inherited
  BOOST_TEST(critical.options().group_interval.count() == 120000);  // own
  BOOST_TEST(db.options().group_interval.count() == 120000);        // from critical
  BOOST_TEST(db.options().repeat_interval.count() == 3600000);      // from root
  BOOST_TEST(l.root->options().group_interval.count() == 300000);   // Alertmanager's default
  BOOST_TEST(db.options().group_by.count("alertname") == 1u);
  const Route& team_db = *l.root->children()[1];
  BOOST_TEST(team_db.options().group_by_all);
  const LabelSet labels{{"alertname", "A"}, {"team", "db"}, {"x", "1"}};
  BOOST_TEST(team_db.group_labels(labels).size() == 3u);
  BOOST_TEST(db.group_labels(labels).size() == 1u);
}

BOOST_AUTO_TEST_CASE(route_keys_as_alertmanager) {
  Loaded l = load(kTree);
  BOOST_REQUIRE(l.errors.empty());
  BOOST_TEST(l.root->key() == "{}");
  const Route& db = *l.root->children()[0]->children()[0];
  BOOST_TEST(db.key() == "{}/{severity=\"critical\"}/{team=\"db\"}");
  BOOST_TEST(db.id() == "{}/{severity=\"critical\"}/0/{team=\"db\"}/0");
  BOOST_TEST(l.root->children()[2]->key() == "{}/{alertname=~\"Ups.*\"}");
}

BOOST_AUTO_TEST_CASE(errors_carry_file_line_column) {
  Loaded l = load(R"(route:
  group_by: ['...', alertname]
  matchers: ['a="b"']
  group_interval: 0s
  repeat_interval: 200y
  routes:
    - receiver: nobody
      matchers: ['a=~"("', 'b~c']
      mute_time_intervals: [nights]
      bogus: 1
)");
  std::string all;
  for (const auto& e : l.errors) all += e + "\n";
  BOOST_TEST(contains(all, "alerting.yml:2:3: alerting.route: the root route needs a receiver"),
             all);
  BOOST_TEST(
      contains(all, "alerting.yml:2:3: alerting.route: the root route must not have matchers"));
  BOOST_TEST(contains(all, "alerting.yml:2:13: alerting.route.group_by: '...' must be the only"));
  BOOST_TEST(contains(all, "alerting.yml:4:19: alerting.route.group_interval cannot be zero"));
  BOOST_TEST(contains(all, "alerting.yml:5:20: alerting.route.repeat_interval is longer than 100"),
             all);
  BOOST_TEST(
      contains(all, "alerting.yml:7:17: alerting.route.routes[0]: undefined receiver \"nobody\""));
  BOOST_TEST(contains(all,
                      "alerting.yml:8:18: alerting.route.routes[0].matchers[0]: matcher "
                      "\"a=~\"(\"\": at column 4: bad regex \"(\": missing )"),
             all);
  BOOST_TEST(contains(all,
                      "alerting.yml:8:28: alerting.route.routes[0].matchers[1]: matcher "
                      "\"b~c\": at column 2: expected one of"),
             all);
  BOOST_TEST(contains(all,
                      "alerting.yml:9:28: alerting.route.routes[0].mute_time_intervals: "
                      "undefined time interval \"nights\""),
             all);
  BOOST_TEST(contains(all, "alerting.yml:10:7: unknown key \"alerting.route.routes[0].bogus\""),
             all);
}

BOOST_AUTO_TEST_CASE(time_intervals_in_their_location) {
  Loaded l = load(R"(
time_intervals:
  - name: office
    time_intervals:
      - times: [{start_time: "09:00", end_time: "17:00"}]
        weekdays: ['monday:friday']
        location: Europe/Berlin
  - name: month_end
    time_intervals:
      - days_of_month: ['-2:-1']
        months: ['february']
        years: ['2028']
route:
  receiver: admin
  routes:
    - receiver: oncall
      mute_time_intervals: [office]
      active_time_intervals: [month_end]
)");
  BOOST_REQUIRE_MESSAGE(l.errors.empty(), (l.errors.empty() ? std::string() : l.errors.front()));
  BOOST_TEST(l.root->children()[0]->options().mute_time_intervals.size() == 1u);
  const std::vector<std::string> office{"office"}, month_end{"month_end"};
  // Thursday 2026-12-03 07:30 UTC is 08:30 in Berlin (CET): outside; 08:00 UTC is 09:00 inside.
  const Time thu_0730 = Time{std::chrono::seconds(1796283000)};
  BOOST_TEST(!in_time_intervals(l.intervals, office, thu_0730));
  BOOST_TEST(in_time_intervals(l.intervals, office, thu_0730 + 30min));
  BOOST_TEST(in_time_intervals(l.intervals, office, thu_0730 + 30min + 7h + 59min));
  BOOST_TEST(!in_time_intervals(l.intervals, office, thu_0730 + 30min + 8h));  // 17:00 excluded
  BOOST_TEST(!in_time_intervals(l.intervals, office, thu_0730 + 48h + 2h));    // Saturday
  // Summer time: 2026-07-01 (Wednesday) 07:00 UTC is 09:00 CEST.
  BOOST_TEST(in_time_intervals(l.intervals, office, Time{std::chrono::seconds(1782889200)}));
  BOOST_TEST(!in_time_intervals(l.intervals, office, Time{std::chrono::seconds(1782885600)}));
  // 2028 is a leap year: -2:-1 of February is the 28th and 29th.
  BOOST_TEST(!in_time_intervals(l.intervals, month_end, Time{std::chrono::seconds(1835222400)}));
  BOOST_TEST(in_time_intervals(l.intervals, month_end, Time{std::chrono::seconds(1835308800)}));
  BOOST_TEST(in_time_intervals(l.intervals, month_end, Time{std::chrono::seconds(1835395200)}));
}

BOOST_AUTO_TEST_CASE(time_interval_errors) {
  Loaded l = load(R"(time_intervals:
  - name: bad
    time_intervals:
      - times: [{start_time: "17:00", end_time: "09:00"}]
        weekdays: ['friday:monday', 'funday']
        days_of_month: ['0']
        location: Mars/Olympus
route: {receiver: admin}
)");
  std::string all;
  for (const auto& e : l.errors) all += e + "\n";
  BOOST_TEST(contains(all,
                      "alerting.yml:4:17: time_intervals[0].time_intervals[0].times[0]: "
                      "start_time must be before end_time"),
             all);
  BOOST_TEST(contains(all,
                      "alerting.yml:5:20: time_intervals[0].time_intervals[0].weekdays: "
                      "range friday:monday ends before it begins"),
             all);
  BOOST_TEST(contains(all,
                      "alerting.yml:5:37: time_intervals[0].time_intervals[0].weekdays: "
                      "expected a weekday"),
             all);
  BOOST_TEST(contains(all, "alerting.yml:6:25: time_intervals[0].time_intervals[0].days_of_month"),
             all);
  BOOST_TEST(contains(all,
                      "alerting.yml:7:19: time_intervals[0].time_intervals[0].location: "
                      "time zone Mars/Olympus: cannot read"),
             all);
}
