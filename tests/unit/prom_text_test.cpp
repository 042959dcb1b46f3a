// The Prometheus text-format parser: real node_exporter-style input, every malformed-line class
// reported with its line number, duplicates, timestamps, half-written input.
#define BOOST_TEST_MODULE prom_text
#include "core/prom_text.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <string>

#include "time_scale.h"

using namespace hawatch::plugins;

BOOST_AUTO_TEST_CASE(families_types_labels) {
  auto t = parse_prometheus_text(
      "# HELP backup_age_seconds Age of the last backup.\n"
      "# TYPE backup_age_seconds gauge\n"
      "backup_age_seconds{db=\"amslpr\",host=\"a\\\"b\\\\c\\nd\"} 3600\n"
      "# TYPE jobs_total counter\n"
      "jobs_total 17\n"
      "# a comment\n"
      "\n"
      "plain -Inf\n"
      "# TYPE lat histogram\n"
      "lat_bucket{le=\"1\"} 2\n"
      "lat_bucket{le=\"+Inf\"} 3\n"
      "lat_sum 1.5\n"
      "lat_count 3\n");
  BOOST_TEST(t.errors.empty());
  BOOST_TEST(t.ends_with_newline);
  BOOST_REQUIRE_EQUAL(t.families.size(), 4u);
  BOOST_TEST(t.families[0].name == "backup_age_seconds");
  BOOST_TEST(t.families[0].help == "Age of the last backup.");
  BOOST_TEST((t.families[0].type == PromType::gauge));
  BOOST_TEST(t.families[0].samples[0].labels[1].second == "a\"b\\c\nd");
  BOOST_TEST(t.families[0].samples[0].value == 3600.0);
  BOOST_TEST((t.families[1].type == PromType::counter));
  BOOST_TEST(std::isinf(t.families[2].samples[0].value));
  BOOST_TEST(t.families[3].samples.size() == 4u);
}

BOOST_AUTO_TEST_CASE(malformed_lines_have_line_numbers) {
  auto t = parse_prometheus_text(
      "ok 1\n"                 // 1
      "bad{a=\"1\" 2\n"        // 2 missing }
      "9name 1\n"              // 3 invalid name
      "x abc\n"                // 4 bad value
      "y{a=1} 2\n"             // 5 unquoted label value
      "# TYPE z wibble\n"      // 6 unknown type
      "z 1 2 3\n"              // 7 trailing junk
      "w{a=\"1\",a=\"2\"} 1\n" // 8 repeated label
      "good 2\n");
  BOOST_REQUIRE_EQUAL(t.errors.size(), 7u);
  std::vector<int> lines;
  for (const auto& e : t.errors) lines.push_back(e.line);
  BOOST_TEST(lines == (std::vector<int>{2, 3, 4, 5, 6, 7, 8}), boost::test_tools::per_element());
  int samples = 0;
  for (const auto& f : t.families) samples += static_cast<int>(f.samples.size());
  BOOST_TEST(samples == 2);
}

BOOST_AUTO_TEST_CASE(duplicates_timestamps_half_written) {
  auto d = parse_prometheus_text("a{x=\"1\",y=\"2\"} 1\na{y=\"2\",x=\"1\"} 2\n");
  BOOST_REQUIRE_EQUAL(d.errors.size(), 1u);
  BOOST_TEST(d.errors[0].line == 2);
  BOOST_TEST(d.errors[0].message.find("duplicate") != std::string::npos);
  auto ts = parse_prometheus_text("a 1 1700000000000\n");
  BOOST_TEST(ts.has_timestamps);
  BOOST_TEST(*ts.families[0].samples[0].timestamp_ms == 1700000000000);
  auto half = parse_prometheus_text("a 1\nb 2");
  BOOST_TEST(!half.ends_with_newline);
  auto types = parse_prometheus_text("# TYPE a gauge\n# TYPE a counter\na 1\n# TYPE a gauge\n");
  BOOST_TEST(types.errors.size() == 2u);
}

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(valid_metric_name("a:b_c9"));
  BOOST_TEST(!valid_metric_name("9a"));
  BOOST_TEST(!valid_metric_name("a b"));
  BOOST_TEST(valid_label_name("le"));
  BOOST_TEST(!valid_label_name("a:b"));
}

BOOST_AUTO_TEST_CASE(hostile_names_and_values_are_refused) {
  auto t = parse_prometheus_text(
      "ok{a=\"1\"} 1\n"
      "spoof{__name__=\"hawatch_node_load1\"} 2\n"
      "meta{__meta_x=\"1\"} 3\n"
      "bad{v=\"a\xff"
      "b\"} 4\n"
      "# HELP h \xc0\xaf\n"
      "good{v=\"\xe2\x82\xac\"} 5\n");
  BOOST_REQUIRE_EQUAL(t.errors.size(), 4u);
  BOOST_TEST(t.errors[0].line == 2);
  BOOST_TEST(t.errors[0].message.find("reserved") != std::string::npos);
  BOOST_TEST(t.errors[1].line == 3);
  BOOST_TEST(t.errors[2].line == 4);
  BOOST_TEST(t.errors[2].message.find("UTF-8") != std::string::npos);
  BOOST_TEST(t.errors[3].line == 5);
  std::size_t samples = 0;
  for (const auto& f : t.families) samples += f.samples.size();
  BOOST_TEST(samples == 2u);
}

BOOST_AUTO_TEST_CASE(help_escapes_are_decoded) {
  auto t = parse_prometheus_text("# HELP x a\\\\b\\nc\nx 1\n");
  BOOST_REQUIRE(t.errors.empty());
  BOOST_TEST(t.families[0].help == "a\\b\nc");
}

// Each line once scanned every family seen so far: 50k metric names took 25 s of CPU. A loose
// guard (linear parsing takes well under 0.1 s here), not a benchmark; see BENCHMARKS.md.
BOOST_AUTO_TEST_CASE(many_names_parse_in_linear_time) {
  std::string text;
  for (int i = 0; i < 50000; ++i) {
    const std::string n = "m" + std::to_string(i);
    text += "# TYPE " + n + " gauge\n" + n + "{a=\"x\"} 1\nu" + std::to_string(i) + " 2\n";
  }
  const auto start = std::chrono::steady_clock::now();
  const auto t = parse_prometheus_text(text);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(t.errors.empty());
  BOOST_TEST(t.families.size() == 100000u);
  BOOST_TEST(seconds < 2.0 * hawatch::test::time_scale());
}

BOOST_AUTO_TEST_CASE(listed_errors_are_bounded) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "bad line " + std::to_string(i) + "\n";
  const auto t = parse_prometheus_text(text);
  BOOST_TEST(t.errors.size() == kMaxListedErrors);
  BOOST_TEST(t.more_errors == 5000 - kMaxListedErrors);
}
