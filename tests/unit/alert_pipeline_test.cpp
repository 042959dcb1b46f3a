// The whole chain on a hand-driven clock: dispatcher -> inhibit -> time-active -> time-mute ->
// silence -> wait -> dedup -> retry (spool) -> set-notifies. A group is sent once, again when
// something is new, resolved alerts when the integration sends them, again after
// repeat_interval; silenced, inhibited and time-muted alerts are not sent; the notification log
// survives a restart; a spool that cannot take the notification fails it, so it is tried again.
#define BOOST_TEST_MODULE alert_pipeline
#include <sys/resource.h>

#include <boost/test/unit_test.hpp>
#include <csignal>

#include "fake_integration.h"
#include "matchers/parse.h"
#include "notify/pipeline.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting;
using namespace std::chrono_literals;

namespace {
const Time t0{std::chrono::seconds(1'796'283'000)};  // Thursday 2026-12-03 07:30 UTC

Alert alert(const std::string& name, Time starts, LabelSet extra = {}) {
  Alert a;
  a.labels = std::move(extra);
  a.labels["alertname"] = name;
  a.starts_at = starts;
  a.updated_at = starts;
  return a;
}

struct World {
  test::TempDir dir;
  std::shared_ptr<test::FakeIntegration> fake = std::make_shared<test::FakeIntegration>();
  std::unique_ptr<Inhibitor> inhibitor;
  std::unique_ptr<Silences> silences;
  TimeIntervals intervals;
  std::unique_ptr<NotificationLog> log;
  std::unique_ptr<Spool> spool;
  std::unique_ptr<NotificationPipeline> pipeline;
  std::shared_ptr<Route> root;
  std::unique_ptr<Dispatcher> dispatcher;

  explicit World(bool send_resolved = true) {
    fake->resolved = send_resolved;
    InhibitRule rule{parse_matchers("alertname=\"UpsOnBattery\"", "t"),
                     parse_matchers("severity=\"warning\"", "t"),
                     {"instance"}};
    inhibitor = std::make_unique<Inhibitor>(std::vector<InhibitRule>{rule});
    silences = std::make_unique<Silences>(Silences::Options{});
    TimeInterval office;
    office.times = {{9 * 60, 17 * 60}};
    intervals["office"] = {office};
    RouteOptions ro;
    ro.receiver = "admin";
    ro.group_by = {"alertname"};
    ro.group_wait = 30s;
    ro.group_interval = 5min;
    ro.repeat_interval = 1h;
    root = std::make_shared<Route>(nullptr, ro, Matchers{}, false);
    RouteOptions muted = ro;
    muted.mute_time_intervals = {"office"};
    root->add_child(muted, parse_matchers("team=\"office-muted\"", "t"), false);
    restart(t0);
  }

  // The daemon's parts as a start would make them, on the same state directory.
  void restart(Time now) {
    log = std::make_unique<NotificationLog>(NotificationLog::Options{dir.path / "nflog", 120h});
    spool = std::make_unique<Spool>(
        Spool::Options{dir.path / "spool", 1h, 1s, 1min, 0.2, 1 << 20, 1 << 20, {}, {}},
        [this](const std::string& r, const std::string& i) { return pipeline->find(r, i); }, now,
        1);
    pipeline = std::make_unique<NotificationPipeline>(
        PipelineParts{inhibitor.get(), silences.get(), &intervals, log.get(), spool.get(), 0s, {}},
        std::vector<ReceiverConfig>{{"admin", {fake}}});
    dispatcher = std::make_unique<Dispatcher>(
        root, [this](const GroupNotification& n) { return pipeline->notify(n); });
  }

  void insert(const Alert& a, Time now) {
    inhibitor->observe(a);
    dispatcher->insert(a, now);
  }
  // Runs the dispatcher and the spool at `now`; returns the bodies delivered.
  std::vector<std::string> tick(Time now) {
    const std::size_t before = fake->deliveries.size();
    dispatcher->run_due(now);
    spool->deliver_due(now);
    std::vector<std::string> out;
    for (std::size_t i = before; i < fake->deliveries.size(); ++i) {
      out.push_back(fake->deliveries[i].first);
    }
    return out;
  }
};

using Bodies = std::vector<std::string>;
}  // namespace

BOOST_AUTO_TEST_CASE(sent_once_then_on_change_then_after_repeat_interval) {
  World w;
  w.insert(alert("A", t0, {{"instance", "1"}}), t0);
  BOOST_TEST(w.tick(t0 + 29s).empty());
  BOOST_TEST(w.tick(t0 + 30s) == Bodies{"admin: A=firing"}, boost::test_tools::per_element());
  BOOST_TEST(w.tick(t0 + 30s + 5min).empty());  // nothing new: dedup
  w.insert(alert("A", t0 + 6min, {{"instance", "2"}}), t0 + 6min);
  BOOST_TEST(w.tick(t0 + 30s + 10min) == Bodies{"admin: A=firing A=firing"},
             boost::test_tools::per_element());
  BOOST_TEST(w.tick(t0 + 30s + 65min).empty());
  // Exactly repeat_interval (1h) after the last is not yet "longer ago" (Alertmanager: Before).
  BOOST_TEST(w.tick(t0 + 30s + 70min).empty());
  BOOST_TEST(w.tick(t0 + 30s + 75min).size() == 1u);
}

BOOST_AUTO_TEST_CASE(resolved_sent_when_the_integration_wants_them) {
  for (bool send_resolved : {true, false}) {
    World w(send_resolved);
    Alert a = alert("A", t0);
    w.insert(a, t0);
    BOOST_TEST(w.tick(t0 + 30s).size() == 1u);
    a.ends_at = t0 + 2min;
    a.updated_at = t0 + 2min;
    w.insert(a, t0 + 2min);
    const Bodies resolved = w.tick(t0 + 30s + 5min);
    if (send_resolved) {
      BOOST_TEST(resolved == Bodies{"admin: A=resolved"}, boost::test_tools::per_element());
    } else {
      BOOST_TEST(resolved.empty());
    }
    // Either way the log now says nothing fires: the alert firing again is news.
    Alert again = alert("A", t0 + 20min);
    w.insert(again, t0 + 20min);
    BOOST_TEST(w.tick(t0 + 30s + 20min).size() == 1u, "send_resolved " << send_resolved);
  }
}

BOOST_AUTO_TEST_CASE(silenced_inhibited_and_time_muted_alerts_are_not_sent) {
  World w;
  Silence s;
  s.matchers = parse_matchers("instance=\"silenced\"", "t");
  s.starts_at = t0;
  s.ends_at = t0 + 3h;
  w.silences->set(s, t0);
  w.insert(alert("A", t0, {{"instance", "silenced"}}), t0);
  w.insert(alert("UpsOnBattery", t0, {{"instance", "pi1"}}), t0);
  w.insert(alert("B", t0, {{"instance", "pi1"}, {"severity", "warning"}}), t0);
  w.insert(alert("B", t0, {{"instance", "pi2"}, {"severity", "warning"}}), t0);
  // 07:30 UTC is outside office hours; 09:00 inside.
  w.insert(alert("C", t0, {{"team", "office-muted"}}), t0);
  Bodies sent = w.tick(t0 + 30s);
  std::sort(sent.begin(), sent.end());
  BOOST_TEST(sent == (Bodies{"admin: B=firing", "admin: C=firing", "admin: UpsOnBattery=firing"}),
             boost::test_tools::per_element());
  w.insert(alert("C", t0 + 90min, {{"team", "office-muted"}, {"x", "new"}}), t0 + 90min);
  // 09:05 UTC: C's group is muted, though something is new (the others repeat: 1h passed).
  const Bodies later = w.tick(t0 + 30s + 95min);
  BOOST_TEST(later.size() == 2u);
  for (const auto& body : later) BOOST_TEST(body.find("C=") == std::string::npos, body);
}

BOOST_AUTO_TEST_CASE(notification_log_survives_a_restart) {
  World w;
  w.insert(alert("A", t0), t0);
  BOOST_TEST(w.tick(t0 + 30s).size() == 1u);
  w.restart(t0 + 1min);
  w.insert(alert("A", t0), t0 + 1min);    // the rule layer re-sends after the restart
  BOOST_TEST(w.tick(t0 + 1min).empty());  // flushed at once (old alert), but already told
}

BOOST_AUTO_TEST_CASE(spool_failure_fails_the_notification_and_it_is_tried_again) {
  World w;
  w.insert(alert("A", t0), t0);
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit tiny = old;
  tiny.rlim_cur = 8;
  setrlimit(RLIMIT_FSIZE, &tiny);
  const Bodies first = w.tick(t0 + 30s);
  setrlimit(RLIMIT_FSIZE, &old);
  BOOST_TEST(first.empty());
  BOOST_TEST(w.spool->totals().write_errors == 1u);
  BOOST_TEST(w.log->size() == 0u);  // set-notifies did not run
  BOOST_TEST(w.tick(t0 + 30s + 5min).size() == 1u);
}
