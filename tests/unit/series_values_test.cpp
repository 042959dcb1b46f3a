// The value view beside the exposition text: what the local rule evaluator reads.
#define BOOST_TEST_MODULE series_values
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "core/metric_sink.h"
#include "core/snapshot.h"

using namespace hawatch;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

CollectorOutcome outcome(const std::string& collector, double value,
                         steady_clock::time_point stale_at) {
  MetricSink sink;
  sink.gauge("test_value", "A value.", value, {{"from", collector}});
  sink.counter("test_total", "A counter.", value * 2);
  CollectorOutcome o;
  o.collector = collector;
  o.success = true;
  o.finished_at = std::chrono::system_clock::now();
  o.stale_at = stale_at;
  o.families = prepare_families(sink.families());
  o.values = std::make_shared<const SeriesValues>(series_values(sink.families()));
  return o;
}

const SeriesValue* find(const ValueSnapshot& v, const std::string& collector,
                        const std::string& name) {
  for (const auto& g : v.groups)
    if (g.collector == collector)
      for (const auto& s : *g.values)
        if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(series_values_carry_names_labels_and_values) {
  MetricSink sink;
  sink.gauge("g", "G.", 1.5, {{"a", "x"}, {"b", "y"}});
  sink.counter("c", "C.", 7);
  const auto values = series_values(sink.families());
  BOOST_REQUIRE(values.size() == 2u);
  BOOST_TEST(values[0].name == "g");
  BOOST_TEST(values[0].value == 1.5);
  BOOST_TEST(values[0].labels.size() == 2u);
  BOOST_TEST(values[0].labels[1].second == "y");
  BOOST_TEST(values[1].name == "c");
  BOOST_TEST(values[1].value == 7);
}

BOOST_AUTO_TEST_CASE(no_values_unless_kept) {
  SnapshotStore store;
  store.begin_generation(1, {"a"});
  store.publish(1, outcome("a", 3, steady_clock::now() + 1h));
  BOOST_TEST(store.values()->groups.empty());
  BOOST_TEST(!store.keeps_values());
}

BOOST_AUTO_TEST_CASE(fresh_outcomes_and_own_series_are_in_the_view) {
  SnapshotStore store;
  store.keep_values(true);
  BOOST_TEST(store.keeps_values());
  store.begin_generation(1, {"a", "b"});
  store.publish(1, outcome("a", 3, steady_clock::now() + 1h));
  store.publish(1, outcome("b", 4, steady_clock::now() + 1h));
  const auto v = store.values();
  BOOST_REQUIRE(find(*v, "a", "test_value"));
  BOOST_TEST(find(*v, "a", "test_value")->value == 3);
  BOOST_TEST(find(*v, "b", "test_total")->value == 8);
  // hawatch's own series, as /metrics shows them.
  const SeriesValue* reload = find(*v, "", "hawatch_config_last_reload_successful");
  BOOST_REQUIRE(reload);
  BOOST_TEST(reload->value == 1);
  std::size_t success = 0;
  for (const auto& g : v->groups)
    for (const auto& s : *g.values)
      success += s.name == "hawatch_collector_success" && s.value == 1;
  BOOST_TEST(success == 2u);
}

BOOST_AUTO_TEST_CASE(stale_outcomes_drop_out_of_the_view_as_of_the_text) {
  SnapshotStore store;
  store.keep_values(true);
  store.begin_generation(1, {"a"});
  store.publish(1, outcome("a", 3, steady_clock::now() + 50ms));
  BOOST_TEST(find(*store.values(), "a", "test_value") != nullptr);
  std::this_thread::sleep_for(80ms);
  BOOST_TEST(find(*store.values(), "a", "test_value") == nullptr);
  BOOST_TEST(store.current()->text().find("test_value") == std::string::npos);
  // The collector now reads as failed in the view too.
  bool failed = false;
  for (const auto& g : store.values()->groups)
    for (const auto& s : *g.values) failed |= s.name == "hawatch_collector_success" && s.value == 0;
  BOOST_TEST(failed);
}
