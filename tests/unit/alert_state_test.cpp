// The alerting state machine, timed as Prometheus' rules/alerting.go: pending -> firing after
// `for`, firing kept for keep_firing_for, resolved alerts kept 15 minutes, pending ones dropped at
// once, the group limit, ALERTS series, notifications with resend delay, and the state file that
// carries all of it across a restart.
#define BOOST_TEST_MODULE alert_state
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "contains.h"
#include "rules/manager.h"
#include "temp_dir.h"

namespace hawatch::test {
inline ino_t inode_of(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}
}  // namespace hawatch::test

using namespace hawatch;
using namespace hawatch::rules;
using hawatch::test::contains;

namespace {

constexpr Timestamp kMin = 60'000;

std::vector<GroupSpec> groups_of(const std::string& yaml) {
  auto f = parse_rule_file(yaml, "r.yml");
  BOOST_REQUIRE_MESSAGE(f.ok(), (f.errors.empty() ? std::string() : f.errors[0].to_string()));
  return std::move(f.groups);
}

promql::Labels labels(std::vector<promql::Label> l) {
  return promql::Labels(std::move(l));
}

// One group over a storage; `value(t)` feeds series up{instance="a"} before each evaluation
// (nullopt: no sample at t).
struct Harness {
  promql::MemoryStorage storage;
  Group group;
  QueryFunc query = engine_query_func(storage);
  std::vector<Alert> sent;

  explicit Harness(const std::string& yaml)
      : group(std::move(groups_of(yaml)[0]), std::chrono::minutes(1),
              TemplateContext{{{"site", "pi"}}, "http://x"}) {}

  void eval(Timestamp t, std::optional<double> up) {
    if (up)
      storage.append(labels({{"__name__", "up"}, {"instance", "a"}}), t, *up);
    else
      storage.mark_stale(labels({{"__name__", "up"}, {"instance", "a"}}), t);
    group.eval(t, storage, query, [&](const std::string&, const std::vector<Alert>& a) {
      sent.insert(sent.end(), a.begin(), a.end());
    });
  }
  AlertingRule& rule() { return *group.find_alerting_rule("Down"); }
  const Alert* alert() {
    const auto& all = rule().alerts();
    return all.empty() ? nullptr : &all.begin()->second;
  }
};

const std::string kDownRule = R"(groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        labels: { severity: page, where: "{{ $externalLabels.site }}" }
        annotations: { summary: "{{ $labels.instance }} is {{ $value }}", bad: "{{ humanize \"x\" }}" }
)";

}  // namespace

BOOST_AUTO_TEST_CASE(pending_then_firing_after_for) {
  Harness h(kDownRule);
  h.eval(0, 1);
  BOOST_TEST(h.alert() == nullptr);
  h.eval(1 * kMin, 0);
  BOOST_TEST_REQUIRE(h.alert() != nullptr);
  BOOST_TEST((h.alert()->state == AlertState::pending));
  BOOST_TEST(h.alert()->active_at == 1 * kMin);
  BOOST_TEST(h.alert()->labels.to_string() ==
             R"({alertname="Down", instance="a", severity="page", where="pi"})");
  BOOST_TEST(h.alert()->annotations.at(1).second == "a is 0");
  BOOST_TEST(contains(h.alert()->annotations.at(0).second,
                      "<error expanding template: error executing template "
                      "__alert_Down: template: __alert_Down:1:"));
  for (Timestamp m = 2; m <= 5; ++m) h.eval(m * kMin, 0);
  BOOST_TEST((h.alert()->state == AlertState::pending));  // 4m active, for is 5m
  BOOST_TEST(h.sent.empty());                             // pending alerts are never sent
  h.eval(6 * kMin, 0);
  BOOST_TEST((h.alert()->state == AlertState::firing));
  BOOST_TEST(*h.alert()->fired_at == 6 * kMin);
  BOOST_TEST(h.sent.size() == 1u);
  BOOST_TEST(*h.alert()->valid_until == 6 * kMin + 4 * kMin);
  // Resent after the resend delay (1m): at 7m the last send is not yet older than 1m.
  h.eval(7 * kMin, 0);
  BOOST_TEST(h.sent.size() == 1u);
  h.eval(7 * kMin + 1, 0);
  BOOST_TEST(h.sent.size() == 2u);
}

BOOST_AUTO_TEST_CASE(pending_alert_disappears_at_once_firing_is_resolved_and_kept) {
  Harness h(kDownRule);
  h.eval(0, 0);
  h.eval(1 * kMin, std::nullopt);
  BOOST_TEST(h.alert() == nullptr);  // pending and gone: deleted
  for (Timestamp m = 2; m <= 7; ++m) h.eval(m * kMin, 0);
  BOOST_TEST((h.alert()->state == AlertState::firing));
  const std::size_t sent_before = h.sent.size();
  h.eval(8 * kMin, std::nullopt);
  BOOST_TEST_REQUIRE(h.alert() != nullptr);
  BOOST_TEST((h.alert()->state == AlertState::inactive));
  BOOST_TEST(*h.alert()->resolved_at == 8 * kMin);
  BOOST_TEST(h.sent.size() == sent_before + 1);  // the resolution is sent at once
  BOOST_TEST(h.rule().active_alerts().empty());
  h.eval(8 * kMin + kResolvedRetention.count(), std::nullopt);
  BOOST_TEST(h.alert() != nullptr);  // kept for exactly the retention
  h.eval(8 * kMin + kResolvedRetention.count() + 1, std::nullopt);
  BOOST_TEST(h.alert() == nullptr);
}

BOOST_AUTO_TEST_CASE(keep_firing_for_holds_a_firing_alert) {
  Harness h(R"(groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        keep_firing_for: 3m
)");
  h.eval(0, 0);
  BOOST_TEST((h.alert()->state == AlertState::firing));  // no `for`: fires at once
  h.eval(1 * kMin, 1);
  BOOST_TEST((h.alert()->state == AlertState::firing));
  BOOST_TEST(*h.alert()->keep_firing_since == 1 * kMin);
  h.eval(3 * kMin, 1);
  BOOST_TEST((h.alert()->state == AlertState::firing));  // 2m < 3m
  h.eval(4 * kMin, 1);
  BOOST_TEST((h.alert()->state == AlertState::inactive));  // 3m reached
  BOOST_TEST(*h.alert()->resolved_at == 4 * kMin);
  // Coming back while kept firing resets keep_firing_since.
  Harness k(
      R"(groups: [ { name: g, rules: [ { alert: Down, expr: up == 0, keep_firing_for: 3m } ] } ])");
  k.eval(0, 0);
  k.eval(1 * kMin, 1);
  k.eval(2 * kMin, 0);
  BOOST_TEST(!k.alert()->keep_firing_since.has_value());
}

BOOST_AUTO_TEST_CASE(alerts_series_and_later_rules_see_earlier_outputs) {
  Harness h(R"(groups:
  - name: g
    rules:
      - record: up:copy
        expr: up
      - alert: Down
        expr: up:copy == 0
        for: 1m
)");
  h.eval(0, 0);
  // Same evaluation: the alert saw the recording rule's fresh output.
  BOOST_TEST_REQUIRE(h.alert() != nullptr);
  auto alerts = std::get<promql::Vector>(
      promql::evaluate(std::get<promql::Expr>(promql::parse("ALERTS")), h.storage, 0));
  BOOST_TEST_REQUIRE(alerts.size() == 1u);
  BOOST_TEST(alerts[0].labels.to_string() ==
             R"({__name__="ALERTS", alertname="Down", alertstate="pending", instance="a"})");
  h.eval(1 * kMin, 0);
  alerts = std::get<promql::Vector>(
      promql::evaluate(std::get<promql::Expr>(promql::parse("ALERTS")), h.storage, kMin));
  BOOST_TEST_REQUIRE(alerts.size() == 1u);  // the pending series was marked stale, not left 5m
  BOOST_TEST(*alerts[0].labels.get("alertstate") == "firing");
  auto for_state = std::get<promql::Vector>(
      promql::evaluate(std::get<promql::Expr>(promql::parse("ALERTS_FOR_STATE")), h.storage, kMin));
  BOOST_TEST_REQUIRE(for_state.size() == 1u);
  BOOST_TEST(for_state[0].value == 0);  // active since t=0 (seconds)
}

BOOST_AUTO_TEST_CASE(limit_drops_all_alerts_of_the_rule) {
  promql::MemoryStorage storage;
  Group g(std::move(groups_of(
              "groups: [ { name: g, limit: 1, rules: [ { alert: Many, expr: up } ] } ]")[0]),
          std::chrono::minutes(1), {});
  storage.append(labels({{"__name__", "up"}, {"instance", "a"}}), 0, 1);
  g.eval(0, storage, engine_query_func(storage));
  BOOST_TEST(!g.rules()[0]->last_error().has_value());
  BOOST_TEST(g.find_alerting_rule("Many")->active_alerts().size() == 1u);
  storage.append(labels({{"__name__", "up"}, {"instance", "b"}}), kMin, 1);
  g.eval(kMin, storage, engine_query_func(storage));
  BOOST_TEST(*g.rules()[0]->last_error() == "exceeded limit of 1 with 2 alerts");
  BOOST_TEST((g.rules()[0]->health() == RuleHealth::bad));
  BOOST_TEST(g.find_alerting_rule("Many")->alerts().empty());
}

BOOST_AUTO_TEST_CASE(state_file_round_trip_is_exact) {
  Alert a;
  a.labels = labels({{"alertname", "Down"}, {"instance", "a b%c\n"}});
  a.annotations = {{"summary", "x y"}, {"empty", ""}, {"dash", "-"}};
  a.state = AlertState::firing;
  a.value = 0.1;
  a.active_at = 12345;
  a.fired_at = 22345;
  a.last_sent_at = 32345;
  const std::string text = encode_alert_state({SavedAlert{"f.yml", "g", "Down", a}});
  auto decoded = decode_alert_state(text);
  BOOST_TEST_REQUIRE(std::holds_alternative<std::vector<SavedAlert>>(decoded));
  const Alert& b = std::get<std::vector<SavedAlert>>(decoded).at(0).alert;
  BOOST_TEST(b.labels.to_string() == a.labels.to_string());
  BOOST_TEST((b.annotations == a.annotations));
  BOOST_TEST(b.value == 0.1);
  BOOST_TEST(*b.fired_at == 22345);
  BOOST_TEST(!b.resolved_at.has_value());
  BOOST_TEST(std::get<std::string>(decode_alert_state("{\"json\": 1}\n"))
                 .find("not a hawatch alert state file") == 0u);
  BOOST_TEST(contains(std::get<std::string>(decode_alert_state(text + "alert x y\n")),
                      "line 3: malformed"));
}

BOOST_AUTO_TEST_CASE(restart_keeps_firing_alert_its_clock_and_last_send) {
  test::TempDir dir;
  std::ofstream(dir.path / "r.yml") << kDownRule;
  const std::string state = (dir.path / "alerts.state").string();
  std::vector<Alert> sent;
  const auto options = [&] {
    ManagerOptions o;
    o.state_file = state;
    o.notify = [&](const std::string&, const std::vector<Alert>& a) {
      sent.insert(sent.end(), a.begin(), a.end());
    };
    return o;
  };
  const auto up = labels({{"__name__", "up"}, {"instance", "a"}});
  promql::MemoryStorage storage;
  Timestamp fired_at = 0;
  {
    Manager m(options());
    BOOST_TEST_REQUIRE(m.load({"r.yml"}, dir.path.string()).empty());
    BOOST_TEST(m.restore_state().empty());  // no file yet: empty state, no error
    Timestamp t = 10 * kMin;
    for (int i = 0; i < 20; ++i, t += 30'000) {
      storage.append(up, t, 0);
      m.evaluate_due(t, storage);
    }
    BOOST_TEST(m.state_error().empty());
    // An unchanged state is not written again (the rename would give the file a new inode).
    const auto inode = [&] {
      return std::filesystem::status(state).type() == std::filesystem::file_type::regular
                 ? ::hawatch::test::inode_of(state)
                 : 0;
    };
    const auto before = inode();
    BOOST_TEST(m.save_state().empty());
    BOOST_TEST(inode() == before);
    auto* rule = m.groups()[0]->find_alerting_rule("Down");
    BOOST_TEST_REQUIRE(rule->active_alerts().size() == 1u);
    BOOST_TEST((rule->active_alerts()[0]->state == AlertState::firing));
    fired_at = *rule->active_alerts()[0]->fired_at;
  }
  const std::size_t sent_before = sent.size();
  BOOST_TEST(sent_before >= 1u);
  Manager m(options());
  BOOST_TEST_REQUIRE(m.load({"r.yml"}, dir.path.string()).empty());
  BOOST_TEST(m.restore_state().empty());
  auto* rule = m.groups()[0]->find_alerting_rule("Down");
  BOOST_TEST_REQUIRE(rule->active_alerts().size() == 1u);
  const Alert& restored = *rule->active_alerts()[0];
  BOOST_TEST((restored.state == AlertState::firing));
  BOOST_TEST(*restored.fired_at == fired_at);
  BOOST_TEST(restored.active_at <= fired_at - 5 * kMin);  // the `for` clock did not restart
  // The first evaluation after the restart does not notify again before the resend delay.
  const Timestamp last_sent = *restored.last_sent_at;
  storage.append(up, last_sent + 30'000, 0);
  rule->eval(last_sent + 30'000, engine_query_func(storage), 0);
  BOOST_TEST(rule->take_alerts_to_send(last_sent + 30'000, std::chrono::minutes(1),
                                       std::chrono::minutes(1))
                 .empty());
  BOOST_TEST((rule->active_alerts()[0]->state == AlertState::firing));

  // A corrupt state file is reported and ignored.
  std::ofstream(state) << "garbage\n";
  Manager fresh(options());
  BOOST_TEST_REQUIRE(fresh.load({"r.yml"}, dir.path.string()).empty());
  BOOST_TEST(contains(fresh.restore_state(), "not a hawatch alert state file"));
  BOOST_TEST(fresh.groups()[0]->find_alerting_rule("Down")->alerts().empty());
}

BOOST_AUTO_TEST_CASE(bad_reload_keeps_running_rules_and_good_reload_keeps_alerts) {
  test::TempDir dir;
  std::ofstream(dir.path / "r.yml") << kDownRule;
  Manager m({});
  BOOST_TEST_REQUIRE(m.load({"r.yml"}, dir.path.string()).empty());
  promql::MemoryStorage storage;
  storage.append(labels({{"__name__", "up"}, {"instance", "a"}}), 0, 0);
  m.groups()[0]->eval(0, storage, engine_query_func(storage));
  std::ofstream(dir.path / "r.yml")
      << "groups: [ { name: g, rules: [ { alert: Down, expr: 'up ==' } ] } ]\n";
  BOOST_TEST(!m.load({"r.yml"}, dir.path.string()).empty());
  BOOST_TEST(m.groups()[0]->find_alerting_rule("Down")->alerts().size() == 1u);
  std::ofstream(dir.path / "r.yml") << kDownRule;
  BOOST_TEST(m.load({"r.yml"}, dir.path.string()).empty());
  BOOST_TEST(m.groups()[0]->find_alerting_rule("Down")->alerts().size() == 1u);
}

BOOST_AUTO_TEST_CASE(groups_are_spread_over_their_interval) {
  Group g(std::move(groups_of("groups: [ { name: g, interval: 1m, rules: [] } ]")[0]),
          std::chrono::minutes(1), {});
  const Timestamp first = Manager::next_evaluation(g, 1'000'000);
  BOOST_TEST(first >= 1'000'000);
  BOOST_TEST(first < 1'000'000 + kMin);
  BOOST_TEST(Manager::next_evaluation(g, first) == first);
  BOOST_TEST(Manager::next_evaluation(g, first + 1) == first + kMin);
}

BOOST_AUTO_TEST_CASE(evaluate_due_runs_each_group_once_per_slot_and_skips_missed_ones) {
  test::TempDir dir;
  std::ofstream(dir.path / "r.yml")
      << "groups: [ { name: g, interval: 1m, rules: [ { record: r, expr: up } ] } ]\n";
  Manager m({});
  BOOST_TEST_REQUIRE(m.load({"r.yml"}, dir.path.string()).empty());
  promql::MemoryStorage storage;
  const Group& g = *m.groups()[0];
  const Timestamp start = 10 * kMin + 7;
  const Timestamp slot = Manager::next_evaluation(g, start);
  BOOST_TEST(m.evaluate_due(start, storage) == slot);
  BOOST_TEST((!g.last_evaluation().has_value() || slot == start));
  BOOST_TEST(m.evaluate_due(slot, storage) == slot + kMin);
  BOOST_TEST(*g.last_evaluation() == slot);
  BOOST_TEST(m.evaluate_due(slot + kMin - 1, storage) == slot + kMin);  // not due yet
  BOOST_TEST(*g.last_evaluation() == slot);
  // Three and a half intervals late: one evaluation, at the latest slot, not three catch-ups.
  BOOST_TEST(m.evaluate_due(slot + 3 * kMin + 30'000, storage) == slot + 4 * kMin);
  BOOST_TEST(*g.last_evaluation() == slot + 3 * kMin);
}
