// Aggregation groups on a hand-driven clock: a new group flushes after group_wait, then every
// group_interval; alerts older than group_wait flush at once; resolved alerts leave the group once
// a notification took them (not when it failed, not when they fired again meanwhile); empty
// groups are dropped by the maintenance sweep; group keys are Alertmanager's.
#define BOOST_TEST_MODULE alert_dispatcher
#include <boost/test/unit_test.hpp>
#include <condition_variable>
#include <string>

#include "dispatch/dispatch_loop.h"
#include "dispatch/dispatcher.h"

using namespace hawatch::alerting;
using namespace std::chrono_literals;

namespace {

const Time t0{std::chrono::seconds(1'800'000'000)};

std::shared_ptr<Route> make_tree() {
  RouteOptions root_options;
  root_options.receiver = "admin";
  root_options.group_by = {"alertname"};
  root_options.group_wait = 30s;
  root_options.group_interval = 5min;
  auto root = std::make_shared<Route>(nullptr, root_options, Matchers{}, false);
  RouteOptions critical = root_options;
  critical.receiver = "oncall";
  critical.group_wait = 0s;
  root->add_child(critical, {Matcher(MatchType::equal, "severity", "critical")}, true);
  return root;
}

Alert alert(const std::string& name, Time starts, LabelSet extra = {}) {
  Alert a;
  a.labels = std::move(extra);
  a.labels["alertname"] = name;
  a.starts_at = starts;
  a.updated_at = starts;
  return a;
}

struct Recorder {
  std::vector<GroupNotification> sent;
  bool accept = true;
  NotifyFunction fn() {
    return [this](const GroupNotification& n) {
      sent.push_back(n);
      return accept;
    };
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(group_wait_then_group_interval) {
  Recorder r;
  Dispatcher d(make_tree(), r.fn());
  d.insert(alert("A", t0), t0);
  BOOST_TEST((d.next_due() == t0 + 30s));
  d.run_due(t0 + 29s);
  BOOST_TEST(r.sent.empty());
  d.run_due(t0 + 30s);
  BOOST_REQUIRE(r.sent.size() == 1u);
  BOOST_TEST(r.sent[0].alerts.size() == 1u);
  BOOST_TEST(r.sent[0].group_key == "{}:{alertname=\"A\"}");
  // A second alert of the group waits for the next group_interval tick.
  d.insert(alert("A", t0 + 40s, {{"instance", "b"}}), t0 + 40s);
  d.run_due(t0 + 40s);
  d.run_due(t0 + 30s + 5min - 1s);
  BOOST_TEST(r.sent.size() == 1u);
  d.run_due(t0 + 30s + 5min);
  BOOST_REQUIRE(r.sent.size() == 2u);
  BOOST_TEST(r.sent[1].alerts.size() == 2u);
  // The group keeps flushing every group_interval (dedup decides whether to send).
  d.run_due(t0 + 30s + 10min);
  BOOST_TEST(r.sent.size() == 3u);
}

BOOST_AUTO_TEST_CASE(groups_by_route_and_labels) {
  Recorder r;
  Dispatcher d(make_tree(), r.fn());
  d.insert(alert("A", t0, {{"severity", "critical"}}), t0);
  d.insert(alert("B", t0), t0);
  d.insert(alert("A", t0, {{"instance", "x"}}), t0);
  // The critical one goes to oncall only: continue tries later siblings, and a parent is a
  // destination only when no child matched.
  BOOST_TEST(d.group_count() == 3u);
  d.run_due(t0);  // oncall's group_wait is 0
  BOOST_REQUIRE(r.sent.size() == 1u);
  BOOST_TEST(r.sent[0].group_key == "{}/{severity=\"critical\"}:{alertname=\"A\"}");
  BOOST_TEST(r.sent[0].route->options().receiver == "oncall");
  d.run_due(t0 + 30s);
  BOOST_REQUIRE(r.sent.size() == 3u);
  std::size_t a_alerts = 0;
  for (const auto& n : r.sent)
    if (n.group_key == "{}:{alertname=\"A\"}") a_alerts = n.alerts.size();
  BOOST_TEST(a_alerts == 1u);
}

BOOST_AUTO_TEST_CASE(old_alert_flushes_at_once) {
  Recorder r;
  Dispatcher d(make_tree(), r.fn());
  d.insert(alert("A", t0 - 10min), t0);
  BOOST_TEST((d.next_due() == t0));
  d.run_due(t0);
  BOOST_TEST(r.sent.size() == 1u);
}

BOOST_AUTO_TEST_CASE(firing_alerts_are_sent_without_end_resolved_with_it) {
  Recorder r;
  Dispatcher d(make_tree(), r.fn());
  Alert a = alert("A", t0);
  a.ends_at = t0 + 4min;  // "valid until", as Prometheus sends
  d.insert(a, t0);
  d.run_due(t0 + 30s);
  BOOST_REQUIRE(r.sent.size() == 1u);
  BOOST_TEST((r.sent[0].alerts[0].ends_at == Time{}));
  // Not renewed: at the next tick it has resolved by itself and is sent with its end.
  d.run_due(t0 + 30s + 5min);
  BOOST_REQUIRE(r.sent.size() == 2u);
  BOOST_TEST((r.sent[1].alerts[0].ends_at == t0 + 4min));
  // Taken by the pipeline: forgotten, the group is empty and later dropped.
  d.run_due(t0 + 30s + 10min);
  BOOST_TEST(r.sent.size() == 2u);
  BOOST_TEST(d.group_count() == 0u);
}

BOOST_AUTO_TEST_CASE(resolved_alert_kept_when_notification_failed) {
  Recorder r;
  r.accept = false;
  Dispatcher d(make_tree(), r.fn());
  Alert a = alert("A", t0);
  a.ends_at = t0 + 1s;
  d.insert(a, t0);
  d.run_due(t0 + 30s);
  d.run_due(t0 + 30s + 5min);
  BOOST_TEST(r.sent.size() == 2u);  // retried at the next tick
  r.accept = true;
  d.run_due(t0 + 30s + 10min);
  d.run_due(t0 + 30s + 15min);
  BOOST_TEST(r.sent.size() == 3u);
}

BOOST_AUTO_TEST_CASE(refired_alert_is_not_forgotten) {
  Recorder r;
  Dispatcher* dp = nullptr;
  Alert refired = alert("A", t0 + 31s);
  refired.updated_at = t0 + 31s;
  NotifyFunction fn = [&](const GroupNotification& n) {
    r.sent.push_back(n);
    if (r.sent.size() == 1) dp->insert(refired, t0 + 31s);  // arrives while notifying
    return true;
  };
  Dispatcher d(make_tree(), fn);
  dp = &d;
  Alert a = alert("A", t0);
  a.ends_at = t0 + 10s;
  d.insert(a, t0);
  d.run_due(t0 + 30s);
  BOOST_TEST(d.groups().at(0).alerts.size() == 1u);
  BOOST_TEST(!d.groups().at(0).alerts.at(0).resolved_at(t0 + 1min));
}

BOOST_AUTO_TEST_CASE(updates_merge_with_the_earliest_start) {
  Recorder r;
  Dispatcher d(make_tree(), r.fn());
  Alert a = alert("A", t0);
  a.ends_at = t0 + 4min;
  d.insert(a, t0);
  Alert again = a;
  again.starts_at = t0 + 1min;
  again.updated_at = t0 + 1min;
  again.ends_at = t0 + 5min;
  d.insert(again, t0 + 1min);
  const auto groups = d.groups();
  BOOST_REQUIRE(groups.at(0).alerts.size() == 1u);
  BOOST_TEST((groups[0].alerts[0].starts_at == t0));
  BOOST_TEST((groups[0].alerts[0].ends_at == t0 + 5min));
}

BOOST_AUTO_TEST_CASE(alerts_sorted_by_job_then_instance) {
  Recorder r;
  Dispatcher d(make_tree(), r.fn());
  d.insert(alert("A", t0, {{"instance", "b"}}), t0);
  d.insert(alert("A", t0, {{"job", "z"}}), t0);
  d.insert(alert("A", t0, {{"instance", "a"}}), t0);
  d.run_due(t0 + 30s);
  BOOST_REQUIRE(r.sent.at(0).alerts.size() == 3u);
  BOOST_TEST(r.sent[0].alerts[0].labels.at("job") == "z");
  BOOST_TEST(r.sent[0].alerts[1].labels.at("instance") == "a");
  BOOST_TEST(r.sent[0].alerts[2].labels.at("instance") == "b");
}

// The loop on the system clock: an alert with group_wait 0 is flushed promptly after insert (a
// wait on a condition, bounded; no fixed sleep).
BOOST_AUTO_TEST_CASE(loop_flushes_on_the_system_clock) {
  std::mutex m;
  std::condition_variable cv;
  int flushed = 0;
  Dispatcher d(make_tree(), [&](const GroupNotification&) {
    const std::lock_guard lock(m);
    ++flushed;
    cv.notify_all();
    return true;
  });
  DispatchLoop loop(d);
  loop.insert(alert("A", Clock::now(), {{"severity", "critical"}}));  // oncall: group_wait 0
  std::unique_lock lock(m);
  BOOST_TEST(cv.wait_for(lock, std::chrono::seconds(5), [&] { return flushed > 0; }));
}

BOOST_AUTO_TEST_CASE(limits_bound_groups_and_alerts) {
  Recorder r;
  Dispatcher d(make_tree(), r.fn(), {2, 3});
  BOOST_TEST(d.insert(alert("A", t0), t0));
  BOOST_TEST(d.insert(alert("B", t0), t0));
  BOOST_TEST(!d.insert(alert("C", t0), t0));  // a third group
  BOOST_TEST(d.group_count() == 2u);
  BOOST_TEST(d.insert(alert("A", t0, {{"i", "1"}}), t0));
  BOOST_TEST(d.insert(alert("A", t0, {{"i", "2"}}), t0));
  BOOST_TEST(!d.insert(alert("A", t0, {{"i", "3"}}), t0));  // a fourth alert in A
  BOOST_TEST(d.insert(alert("A", t0, {{"i", "2"}}), t0));   // an update is always taken
}
