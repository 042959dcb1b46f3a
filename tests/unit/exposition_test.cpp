// The text exposition and the snapshot a scrape serves: families are split into header and
// samples and merged so that each name has one HELP/TYPE with its samples together; label values
// are escaped; gzip output inflates back to the text; the SnapshotStore honours generations,
// drops stale data, reports readiness and the reload status.
#define BOOST_TEST_MODULE exposition
#include "contains.h"
#include "core/exposition.h"

#include <prometheus/text_serializer.h>
#include <zlib.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/metric_sink.h"
#include "core/snapshot.h"
#include "hawatch/version.h"

using namespace hawatch;
using namespace std::chrono_literals;
using std::chrono::steady_clock;
using std::chrono::system_clock;

namespace {

using hawatch::test::contains;

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size()))
    ++n;
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The value of the sample line for `series` (name plus exact label set as serialised), if any.
std::optional<double> find_sample(const std::string& text, const std::string& series) {
  for (const auto& line : lines_of(text)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// The same as a plain double for BOOST_TEST: NaN (equal to nothing) when the series is absent.
double sample(const std::string& text, const std::string& series) {
  return find_sample(text, series).value_or(std::nan(""));
}

bool has_sample(const std::string& text, const std::string& series) {
  return find_sample(text, series).has_value();
}

std::string gunzip(const std::string& data) {
  z_stream zs{};
  // 15 + 16: accept only the gzip wrapper, which is what Content-Encoding: gzip promises.
  BOOST_REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[16384];
  int rc = Z_OK;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc != Z_STREAM_END);
  const bool all_consumed = zs.avail_in == 0;
  inflateEnd(&zs);
  BOOST_REQUIRE_MESSAGE(rc == Z_STREAM_END, "inflate failed: " << rc);
  BOOST_TEST(all_consumed);
  return out;
}

std::vector<PreparedFamily> prepared(MetricSink& sink) {
  return prepare_families(sink.take());
}

CollectorOutcome outcome(const std::string& collector, bool success, double value,
                         steady_clock::time_point stale_at = steady_clock::now() + 1h) {
  MetricSink sink;
  sink.gauge("test_" + collector + "_value", "A value from " + collector + ".", value);
  sink.gauge("test_shared", "Reported by every collector.", value, {{"from", collector}});
  CollectorOutcome o;
  o.collector = collector;
  o.success = success;
  o.error = success ? "" : collector + " failed";
  o.duration_seconds = 0.25;
  o.finished_at = system_clock::now();
  o.stale_at = stale_at;
  o.families = prepare_families(sink.take());
  return o;
}

std::string text_of(SnapshotStore& store) {
  return store.current()->text();
}

double success_of(SnapshotStore& store, const std::string& collector) {
  return sample(text_of(store), "hawatch_collector_success{collector=\"" + collector + "\"}");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(families)

BOOST_AUTO_TEST_CASE(prepare_splits_header_from_samples) {
  MetricSink sink;
  sink.gauge("temp_celsius", "Temperature.", 41.5, {{"zone", "0"}});
  sink.gauge("temp_celsius", "Temperature.", 39, {{"zone", "1"}});
  sink.counter("events_total", "Events seen.", 7);
  sink.family("declared_only", "No samples.", prometheus::MetricType::Gauge);
  const auto fams = prepared(sink);
  // A family without samples is not exposed at all.
  BOOST_REQUIRE_EQUAL(fams.size(), 2u);

  BOOST_TEST(fams[0].name == "temp_celsius");
  BOOST_TEST(fams[0].header == "# HELP temp_celsius Temperature.\n# TYPE temp_celsius gauge\n");
  BOOST_TEST(fams[0].samples == "temp_celsius{zone=\"0\"} 41.5\ntemp_celsius{zone=\"1\"} 39\n");

  BOOST_TEST(fams[1].name == "events_total");
  BOOST_TEST(fams[1].header == "# HELP events_total Events seen.\n# TYPE events_total counter\n");
  BOOST_TEST(fams[1].samples == "events_total 7\n");
}

BOOST_AUTO_TEST_CASE(merge_emits_one_header_per_family_name) {
  MetricSink a;
  a.gauge("shared", "Shared family.", 1, {{"src", "a"}});
  a.gauge("only_a", "Only in a.", 10);
  MetricSink b;
  b.gauge("only_b", "Only in b.", 20);
  b.gauge("shared", "Shared family.", 2, {{"src", "b"}});
  MetricSink c;
  c.gauge("shared", "Shared family.", 3, {{"src", "c"}});
  const auto fa = prepared(a);
  const auto fb = prepared(b);
  const auto fc = prepared(c);
  const std::string text = merge_families({&fa, &fb, &fc});

  BOOST_TEST(count_of(text, "# HELP shared ") == 1u);
  BOOST_TEST(count_of(text, "# TYPE shared ") == 1u);
  // First-seen order of families; a family's samples follow its header, together and in order.
  BOOST_TEST(text ==
             "# HELP shared Shared family.\n# TYPE shared gauge\n"
             "shared{src=\"a\"} 1\nshared{src=\"b\"} 2\nshared{src=\"c\"} 3\n"
             "# HELP only_a Only in a.\n# TYPE only_a gauge\nonly_a 10\n"
             "# HELP only_b Only in b.\n# TYPE only_b gauge\nonly_b 20\n");
}

BOOST_AUTO_TEST_CASE(merge_of_nothing_is_empty) {
  const std::vector<PreparedFamily> none;
  BOOST_TEST(merge_families({}).empty());
  BOOST_TEST(merge_families({&none, &none}).empty());
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
  MetricSink sink;
  sink.gauge("escaped", "Escaping.", 1, {{"path", "C:\\dir \"quoted\"\nnext line"}});
  const auto fams = prepared(sink);
  BOOST_REQUIRE_EQUAL(fams.size(), 1u);
  BOOST_TEST(fams[0].samples == "escaped{path=\"C:\\\\dir \\\"quoted\\\"\\nnext line\"} 1\n");
  // One sample line: the newline inside the value did not split it.
  BOOST_TEST(lines_of(fams[0].samples).size() == 1u);
}

BOOST_AUTO_TEST_CASE(help_text_is_escaped) {
  MetricSink sink;
  // An unescaped newline in HELP would end the comment and start a forged sample line.
  sink.gauge("helped", "a\\b\nfake_injected 1", 1);
  const auto fams = prepared(sink);
  BOOST_REQUIRE_EQUAL(fams.size(), 1u);
  BOOST_TEST(fams[0].header == "# HELP helped a\\\\b\\nfake_injected 1\n# TYPE helped gauge\n");
  BOOST_TEST(!contains(merge_families({&fams}), "\nfake_injected"));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_replaced_and_collisions_dropped) {
  MetricSink sink;
  sink.gauge("names", "H\xff.", 1,
             {{"v",
               "a\xff\xfe"
               "b"}});
  sink.gauge("names", "H.", 2,
             {{"v",
               "a\xc0"
               "b"}});                                    // replaced, the same as the first
  sink.gauge("names", "H.", 3, {{"v", "\xe2\x82\xac"}});  // valid (the euro sign): kept
  sink.gauge("names", "H.", 4, {{"v", "\xed\xa0\x80"}});  // a surrogate: invalid
  const auto fams = prepared(sink);
  BOOST_REQUIRE_EQUAL(fams.size(), 1u);
  BOOST_TEST(fams[0].header == "# HELP names H\xef\xbf\xbd.\n# TYPE names gauge\n");
  BOOST_TEST(fams[0].samples ==
             "names{v=\"a\xef\xbf\xbd"
             "b\"} 1\n"
             "names{v=\"\xe2\x82\xac\"} 3\n"
             "names{v=\"\xef\xbf\xbd\"} 4\n");
}

BOOST_AUTO_TEST_CASE(unwritable_names_are_dropped) {
  MetricSink sink;
  sink.gauge("ok", "Fine.", 1, {{"a", "1"}});
  sink.gauge("ok", "Fine.", 2, {{"__name__", "other"}});
  sink.gauge("ok", "Fine.", 3, {{"__meta_x", "1"}});
  sink.gauge("ok", "Fine.", 4, {{"bad-name", "1"}});
  sink.gauge("ok", "Fine.", 5, {{"a:b", "1"}});
  sink.gauge("ok", "Fine.", 6, {{"a", "1"}, {"a", "2"}});
  sink.gauge("ok", "Fine.", 7, {{"_", "1"}});
  sink.gauge("bad name", "Invalid family.", 1);
  sink.gauge("", "Empty family name.", 1);
  const auto fams = prepared(sink);
  BOOST_REQUIRE_EQUAL(fams.size(), 1u);
  BOOST_TEST(fams[0].samples == "ok{a=\"1\"} 1\nok{_=\"1\"} 7\n");
}

BOOST_AUTO_TEST_CASE(merge_drops_type_conflicts_and_duplicate_series) {
  MetricSink own;
  own.gauge("hawatch_node_load1", "Load.", 0.5);
  own.gauge("shared", "Shared.", 1, {{"k", "a \"}\" b"}});
  MetricSink other;
  other.counter("hawatch_node_load1", "Forged.", 99);         // another type: dropped
  other.gauge("shared", "Shared.", 2, {{"k", "a \"}\" b"}});  // the same series: dropped
  other.gauge("shared", "Shared.", 3, {{"k", "c"}});
  const auto fo = prepared(own);
  const auto fx = prepared(other);
  const std::string text = merge_families({&fo, &fx});
  BOOST_TEST(text ==
             "# HELP hawatch_node_load1 Load.\n# TYPE hawatch_node_load1 gauge\n"
             "hawatch_node_load1 0.5\n"
             "# HELP shared Shared.\n# TYPE shared gauge\n"
             "shared{k=\"a \\\"}\\\" b\"} 1\nshared{k=\"c\"} 3\n");
}

BOOST_AUTO_TEST_CASE(special_values) {
  MetricSink sink;
  sink.gauge("special", "Special values.", std::nan(""), {{"v", "nan"}});
  sink.gauge("special", "Special values.", INFINITY, {{"v", "inf"}});
  sink.gauge("special", "Special values.", -INFINITY, {{"v", "-inf"}});
  const auto fams = prepared(sink);
  BOOST_REQUIRE_EQUAL(fams.size(), 1u);
  BOOST_TEST(contains(fams[0].samples, "special{v=\"nan\"} Nan\n"));
  BOOST_TEST(contains(fams[0].samples, "special{v=\"inf\"} +Inf\n"));
  BOOST_TEST(contains(fams[0].samples, "special{v=\"-inf\"} -Inf\n"));
}

// prepare_families writes the text itself; it must stay byte-identical to prometheus-cpp's
// TextSerializer (what it replaced) for every type, value and label it can meet.
BOOST_AUTO_TEST_CASE(prepared_text_matches_prometheus_cpp) {
  using prometheus::ClientMetric;
  using prometheus::MetricFamily;
  using prometheus::MetricType;
  std::vector<double> values = {0.0, -0.0, 1.5, 0.1, 1.0 / 3, 1e-300, 5e-324, 1e21, 1e16, 1e15,
                                123456789012345678.0, -42, 1.7976931348623157e308, std::nan(""),
                                INFINITY, -INFINITY, 3, 65536.25, 0.000123};
  std::mt19937_64 rng(8);
  for (int i = 0; i < 2000; ++i) {
    std::uint64_t bits = rng();
    double d = 0;
    std::memcpy(&d, &bits, sizeof d);
    values.push_back(d);  // every bit pattern: subnormals, NaNs with payloads, huge exponents
    values.push_back(static_cast<double>(static_cast<std::int64_t>(rng() % 2000001) - 1000000) / 1000);
  }
  std::vector<MetricFamily> families;
  MetricFamily gauge{"g", "A gauge \\ with odd help", MetricType::Gauge, {}};
  for (std::size_t i = 0; i < values.size(); ++i) {
    ClientMetric m;
    m.gauge.value = values[i];
    if (i % 3 == 0) m.label = {{"a", "x\"y\\z\nw"}, {"empty", ""}};
    if (i % 5 == 0) m.label.push_back({"i", std::to_string(i)});
    if (i % 7 == 0) m.timestamp_ms = static_cast<std::int64_t>(i) * 1000 - 3;
    gauge.metric.push_back(m);
  }
  families.push_back(gauge);
  MetricFamily counter{"c_total", "", MetricType::Counter, {}};
  MetricFamily untyped{"u", "Untyped.", MetricType::Untyped, {}};
  for (double v : {0.0, 7.0, 1e300, std::nan("")}) {
    ClientMetric m;
    m.counter.value = v;
    m.untyped.value = -v;
    counter.metric.push_back(m);
    untyped.metric.push_back(m);
  }
  families.push_back(counter);
  families.push_back(untyped);
  MetricFamily summary{"s", "Summary.", MetricType::Summary, {}};
  ClientMetric sm;
  sm.label = {{"l", "v"}};
  sm.summary.sample_count = 18446744073709551615ull;
  sm.summary.sample_sum = 1.25;
  sm.summary.quantile = {{0.5, 1}, {0.99, 2.5}, {0.999, std::nan("")}};
  summary.metric.push_back(sm);
  sm.label.clear();
  sm.timestamp_ms = 1700000000000;
  summary.metric.push_back(sm);
  families.push_back(summary);
  MetricFamily histogram{"h", "Histogram.", MetricType::Histogram, {}};
  ClientMetric hm;
  hm.histogram.sample_count = 4;
  hm.histogram.sample_sum = 2.5;
  hm.histogram.bucket = {{1, 0.5}, {3, 1}};
  histogram.metric.push_back(hm);
  hm.label = {{"l", "v"}};
  hm.histogram.bucket = {{1, 0.5}, {4, INFINITY}};  // an explicit +Inf bucket: no extra line
  histogram.metric.push_back(hm);
  families.push_back(histogram);

  const auto prepared_families = prepare_families(families);
  BOOST_REQUIRE_EQUAL(prepared_families.size(), families.size());
  for (std::size_t i = 0; i < families.size(); ++i) {
    std::ostringstream reference;
    prometheus::TextSerializer().Serialize(reference, {families[i]});
    const auto& p = prepared_families[i];
    BOOST_TEST(p.name == families[i].name);
    // Except for HELP: prometheus-cpp writes it unescaped, but the text format wants a backslash
    // there doubled and a newline as backslash-n; hawatch escapes it.
    std::string expected = reference.str();
    if (expected.starts_with("# HELP ")) {
      const auto eol = expected.find('\n');
      std::string help_line;
      for (char c : expected.substr(0, eol))
        help_line += c == '\\' ? std::string("\\\\") : std::string(1, c);
      expected = help_line + expected.substr(eol);
    }
    BOOST_TEST(p.header + p.samples == expected, "family " << families[i].name);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(gzip)

BOOST_AUTO_TEST_CASE(round_trips) {
  std::string big;
  for (int i = 0; i < 50000; ++i)
    big += "hawatch_series{i=\"" + std::to_string(i) + "\"} " + std::to_string(i * 7 % 1013) + "\n";
  for (const std::string& text : {std::string(), std::string("x"), std::string("a\0b", 3), big}) {
    const std::string gz = gzip_compress(text);
    BOOST_REQUIRE(gz.size() >= 18u);  // gzip header + trailer
    BOOST_TEST(static_cast<unsigned char>(gz[0]) == 0x1f);
    BOOST_TEST(static_cast<unsigned char>(gz[1]) == 0x8b);
    BOOST_TEST(gunzip(gz) == text);
  }
  BOOST_TEST(gzip_compress(big).size() < big.size() / 4);
}

BOOST_AUTO_TEST_CASE(exposition_caches_its_gzip) {
  const Exposition e("metric 1\n", steady_clock::time_point::max());
  const std::string& first = e.gzipped();
  const std::string& second = e.gzipped();
  BOOST_TEST(&first == &second);
  BOOST_TEST(gunzip(first) == "metric 1\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(snapshot)

BOOST_AUTO_TEST_CASE(fresh_store_serves_self_metrics) {
  SnapshotStore store;
  const std::string text = text_of(store);
  BOOST_TEST(sample(text, std::string("hawatch_build_info{revision=\"") + kRevision +
                              "\",version=\"" + kVersion + "\"}") == 1.0);
  BOOST_TEST(sample(text, "hawatch_config_last_reload_successful") == 1.0);
  BOOST_TEST(sample(text, "hawatch_config_last_reload_success_timestamp_seconds") > 0);
  BOOST_TEST(!contains(text, "hawatch_collector_success"));
  BOOST_TEST(store.last_reload_successful());
  BOOST_TEST(store.current() == store.current());  // unchanged snapshot, shared
}

BOOST_AUTO_TEST_CASE(publish_and_current) {
  SnapshotStore store;
  store.begin_generation(1, {"b", "a"});
  const auto before = store.current();
  store.publish(1, outcome("a", true, 42));
  const auto after = store.current();
  BOOST_TEST(before != after);                            // publishing builds a new snapshot...
  BOOST_TEST(!contains(before->text(), "test_a_value"));  // ...and leaves the old one alone

  const std::string text = after->text();
  BOOST_TEST(sample(text, "test_a_value") == 42.0);
  BOOST_TEST(sample(text, "test_shared{from=\"a\"}") == 42.0);
  BOOST_TEST(sample(text, "hawatch_collector_success{collector=\"a\"}") == 1.0);
  BOOST_TEST(sample(text, "hawatch_collector_duration_seconds{collector=\"a\"}") == 0.25);
  BOOST_TEST(sample(text, "hawatch_collector_last_success_timestamp_seconds{collector=\"a\"}") > 0);
  // b has not reported: no series for it yet.
  BOOST_TEST(!has_sample(text, "hawatch_collector_success{collector=\"b\"}"));

  // A newer outcome replaces the older one.
  store.publish(1, outcome("a", true, 43));
  BOOST_TEST(sample(text_of(store), "test_a_value") == 43.0);
  BOOST_TEST(count_of(text_of(store), "\ntest_a_value ") == 1u);  // one sample line
}

BOOST_AUTO_TEST_CASE(same_family_from_two_collectors_is_merged) {
  SnapshotStore store;
  store.begin_generation(1, {"a", "b"});
  store.publish(1, outcome("a", true, 1));
  store.publish(1, outcome("b", true, 2));
  const std::string text = text_of(store);
  BOOST_TEST(count_of(text, "# HELP test_shared ") == 1u);
  BOOST_TEST(count_of(text, "# TYPE test_shared ") == 1u);
  BOOST_TEST(contains(text, "test_shared{from=\"a\"} 1\ntest_shared{from=\"b\"} 2\n"));
  BOOST_TEST(count_of(text, "# HELP hawatch_collector_success ") == 1u);
}

BOOST_AUTO_TEST_CASE(ready_after_every_enabled_collector_reported) {
  SnapshotStore store;
  store.begin_generation(1, {"a", "b", "c"});
  BOOST_TEST(!store.ready());
  store.publish(1, outcome("a", true, 1));
  BOOST_TEST(!store.ready());
  // A failed run is still a report.
  store.publish(1, outcome("b", false, 2));
  BOOST_TEST(!store.ready());
  store.publish(1, outcome("zzz", true, 3));  // not enabled: does not count
  BOOST_TEST(!store.ready());
  store.publish(1, outcome("c", true, 4));
  BOOST_TEST(store.ready());

  // A reload that adds a collector is not ready until that one reports too.
  store.begin_generation(2, {"a", "b", "c", "d"});
  BOOST_TEST(!store.ready());
  store.publish(2, outcome("d", true, 5));
  BOOST_TEST(store.ready());
}

BOOST_AUTO_TEST_CASE(outcomes_of_other_collectors_and_old_generations_are_ignored) {
  SnapshotStore store;
  store.begin_generation(1, {"a"});
  store.publish(1, outcome("a", true, 1));
  store.publish(1, outcome("x", true, 99));
  BOOST_TEST(!contains(text_of(store), "test_x_value"));

  store.begin_generation(2, {"a"});
  // A run started under generation 1 that finishes after the reload.
  store.publish(1, outcome("a", true, 666));
  BOOST_TEST(sample(text_of(store), "test_a_value") == 1.0);
  store.publish(2, outcome("a", true, 2));
  BOOST_TEST(sample(text_of(store), "test_a_value") == 2.0);
  // Nor from the future.
  store.publish(3, outcome("a", true, 3));
  BOOST_TEST(sample(text_of(store), "test_a_value") == 2.0);
}

BOOST_AUTO_TEST_CASE(reload_keeps_data_of_collectors_that_stay) {
  SnapshotStore store;
  store.begin_generation(1, {"a", "b"});
  store.publish(1, outcome("a", true, 1));
  store.publish(1, outcome("b", true, 2));
  store.begin_generation(2, {"a"});
  const std::string text = text_of(store);
  BOOST_TEST(sample(text, "test_a_value") == 1.0);  // no gap for a collector that stays
  BOOST_TEST(!contains(text, "test_b_value"));      // a removed collector's data goes
  BOOST_TEST(!contains(text, "collector=\"b\""));
  BOOST_TEST(store.ready());
  const auto status = store.status();
  BOOST_REQUIRE_EQUAL(status.size(), 1u);
  BOOST_TEST(status[0].collector == "a");
}

BOOST_AUTO_TEST_CASE(failed_run_keeps_partial_data_and_reads_failed) {
  SnapshotStore store;
  store.begin_generation(1, {"a"});
  store.publish(1, outcome("a", true, 1));
  const double succeeded_at =
      sample(text_of(store), "hawatch_collector_last_success_timestamp_seconds{collector=\"a\"}");
  BOOST_TEST(succeeded_at > 0);
  store.publish(1, outcome("a", false, 5));
  const std::string text = text_of(store);
  BOOST_TEST(sample(text, "hawatch_collector_success{collector=\"a\"}") == 0.0);
  BOOST_TEST(sample(text, "test_a_value") == 5.0);
  // The last success is still the earlier run.
  BOOST_TEST(sample(text, "hawatch_collector_last_success_timestamp_seconds{collector=\"a\"}") ==
             succeeded_at);
  const auto status = store.status();
  BOOST_REQUIRE_EQUAL(status.size(), 1u);
  BOOST_TEST(status[0].reported);
  BOOST_TEST(!status[0].success);
  BOOST_TEST(!status[0].stale);
  BOOST_TEST(status[0].error == "a failed");
  BOOST_TEST(status[0].last_success.has_value());
}

BOOST_AUTO_TEST_CASE(never_succeeded_reads_zero_last_success) {
  SnapshotStore store;
  store.begin_generation(1, {"a"});
  store.publish(1, outcome("a", false, 1));
  BOOST_TEST(sample(text_of(store),
                    "hawatch_collector_last_success_timestamp_seconds{collector=\"a\"}") == 0.0);
  BOOST_TEST(!store.status()[0].last_success.has_value());
}

BOOST_AUTO_TEST_CASE(stale_outcome_is_dropped) {
  SnapshotStore store;
  store.begin_generation(1, {"a", "b"});
  store.publish(1, outcome("a", true, 1, steady_clock::now() - 1s));
  store.publish(1, outcome("b", true, 2));
  const std::string text = text_of(store);
  BOOST_TEST(!contains(text, "test_a_value"));
  BOOST_TEST(!contains(text, "test_shared{from=\"a\"}"));
  BOOST_TEST(sample(text, "test_shared{from=\"b\"}") == 2.0);
  BOOST_TEST(success_of(store, "a") == 0.0);
  BOOST_TEST(success_of(store, "b") == 1.0);

  const auto status = store.status();
  BOOST_REQUIRE_EQUAL(status.size(), 2u);
  BOOST_TEST(status[0].collector == "a");
  BOOST_TEST(status[0].stale);
  BOOST_TEST(!status[0].success);
  BOOST_TEST(contains(status[0].error, "no fresh data"));
  BOOST_TEST(!status[1].stale);
  BOOST_TEST(status[1].success);
}

BOOST_AUTO_TEST_CASE(outcome_goes_stale_while_being_served) {
  // No collector runs: the scrape itself notices the data has expired and rebuilds.
  SnapshotStore store;
  store.begin_generation(1, {"a"});
  const auto stale_at = steady_clock::now() + 100ms;
  store.publish(1, outcome("a", true, 1, stale_at));
  const auto fresh = store.current();
  BOOST_TEST((fresh->expires() == stale_at));
  if (steady_clock::now() < stale_at) {
    BOOST_TEST(sample(fresh->text(), "test_a_value") == 1.0);
  }
  std::this_thread::sleep_until(stale_at + 50ms);
  const auto later = store.current();
  BOOST_TEST(later != fresh);
  BOOST_TEST(!contains(later->text(), "test_a_value"));
  BOOST_TEST(success_of(store, "a") == 0.0);
  BOOST_TEST((later->expires() == steady_clock::time_point::max()));
}

BOOST_AUTO_TEST_CASE(snapshot_expires_with_its_earliest_stale_data) {
  SnapshotStore store;
  store.begin_generation(1, {"a", "b"});
  const auto now = steady_clock::now();
  store.publish(1, outcome("a", true, 1, now + 1h));
  store.publish(1, outcome("b", true, 2, now + 30min));
  BOOST_TEST((store.current()->expires() == now + 30min));
}

BOOST_AUTO_TEST_CASE(reload_status) {
  SnapshotStore store;
  const auto t_ok = system_clock::time_point(std::chrono::seconds(1700000000));
  store.set_reload_status(true, t_ok);
  BOOST_TEST(sample(text_of(store), "hawatch_config_last_reload_successful") == 1.0);
  BOOST_TEST(sample(text_of(store), "hawatch_config_last_reload_success_timestamp_seconds") ==
             1700000000.0);

  store.set_reload_status(false, t_ok + 1h);
  BOOST_TEST(!store.last_reload_successful());
  BOOST_TEST(sample(text_of(store), "hawatch_config_last_reload_successful") == 0.0);
  // A failed reload is not a successful one: the timestamp stays.
  BOOST_TEST(sample(text_of(store), "hawatch_config_last_reload_success_timestamp_seconds") ==
             1700000000.0);

  store.set_reload_status(true, t_ok + 2h);
  BOOST_TEST(store.last_reload_successful());
  BOOST_TEST(sample(text_of(store), "hawatch_config_last_reload_successful") == 1.0);
  BOOST_TEST(sample(text_of(store), "hawatch_config_last_reload_success_timestamp_seconds") ==
             1700007200.0);
}

BOOST_AUTO_TEST_CASE(snapshot_text_is_valid_exposition) {
  SnapshotStore store;
  store.begin_generation(1, {"a", "b"});
  store.publish(1, outcome("a", true, 1));
  store.publish(1, outcome("b", false, 2, steady_clock::now() - 1s));
  const auto snap = store.current();
  // Every name has exactly one TYPE line, and every sample line follows its own family's header.
  std::string current_family;
  std::vector<std::string> seen;
  for (const auto& line : lines_of(snap->text())) {
    BOOST_REQUIRE(!line.empty());
    if (line.rfind("# TYPE ", 0) == 0) {
      current_family = line.substr(7, line.find(' ', 7) - 7);
      BOOST_TEST(std::count(seen.begin(), seen.end(), current_family) == 0, line);
      seen.push_back(current_family);
    } else if (line[0] != '#') {
      BOOST_TEST(line.rfind(current_family, 0) == 0u, line << " outside family " << current_family);
    }
  }
  BOOST_TEST(gunzip(snap->gzipped()) == snap->text());
}

BOOST_AUTO_TEST_SUITE_END()
