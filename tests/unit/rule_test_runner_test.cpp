// `hawatch test rules`: the expanding notation and series selectors as promtool reads them, and
// whole test files run to promtool's output and exit codes (tests/integration/test_rule_parity.sh
// compares the same files against promtool itself).
#define BOOST_TEST_MODULE rule_test_runner
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

#include "contains.h"
#include "rules/series_notation.h"
#include "rules/test_runner.h"
#include "temp_dir.h"

using namespace hawatch::rules;
using hawatch::test::contains;

namespace {

std::string values(const std::string& text) {
  auto parsed = parse_series_values(text);
  if (auto* e = std::get_if<std::string>(&parsed)) return "ERR " + *e;
  std::string out;
  for (const auto& v : std::get<std::vector<SeriesValue>>(parsed)) {
    if (!out.empty()) out += ' ';
    if (v.kind == SeriesValue::Kind::omitted)
      out += '_';
    else if (v.kind == SeriesValue::Kind::stale)
      out += "stale";
    else
      out += format_sample_value(v.value);
  }
  return out;
}

struct Run {
  int rc;
  std::string out;
  std::string err;
};

Run run(const std::vector<std::string>& files) {
  std::ostringstream out, err;
  const int rc = run_rule_tests(files, out, err);
  return {rc, out.str(), err.str()};
}

const std::string kFixtures = std::string(HAWATCH_FIXTURES) + "/rules/";

}  // namespace

BOOST_AUTO_TEST_CASE(expanding_notation) {
  BOOST_TEST(values("1 2 3") == "1E+00 2E+00 3E+00");
  BOOST_TEST(values("1+2x3") == "1E+00 3E+00 5E+00 7E+00");
  BOOST_TEST(values("-2+4x3") == "-2E+00 2E+00 6E+00 1E+01");
  BOOST_TEST(values("10-2.5x2") == "1E+01 7.5E+00 5E+00");
  BOOST_TEST(values("1x3") == "1E+00 1E+00 1E+00 1E+00");
  BOOST_TEST(values("_ _x2 stale 1e3 Inf -Inf") == "_ _ _ stale 1E+03 +Inf -Inf");
  BOOST_TEST(values("NaN") == "NaN");
  BOOST_TEST(values("") == "");
  BOOST_TEST(values("0x1F") == "ERR 1:1: parse error: bad number syntax: \"1\"");
  BOOST_TEST(contains(values("1 abc"), "ERR 1:3:"));
  BOOST_TEST(contains(values("1x99999999999"), "ERR"));  // bounded, not a billion samples
}

BOOST_AUTO_TEST_CASE(series_selectors) {
  auto l = parse_metric(R"(up{job="a", instance='b\n', x=`c"`})");
  BOOST_TEST_REQUIRE(std::holds_alternative<hawatch::promql::Labels>(l));
  const auto& labels = std::get<hawatch::promql::Labels>(l);
  BOOST_TEST(std::string(labels.metric_name()) == "up");
  BOOST_TEST(std::string(*labels.get("instance")) == "b\n");
  BOOST_TEST(std::string(*labels.get("x")) == "c\"");
  BOOST_TEST(std::holds_alternative<hawatch::promql::Labels>(parse_metric("{__name__=\"x\"}")));
  BOOST_TEST(std::holds_alternative<std::string>(parse_metric("up{job=a}")));
  BOOST_TEST(std::holds_alternative<std::string>(parse_metric("up{job=\"a\"")));
  BOOST_TEST(std::holds_alternative<std::string>(parse_metric("up{} x")));
  BOOST_TEST(std::holds_alternative<std::string>(parse_metric("")));
  const auto empty = parse_metric("{}");
  BOOST_TEST_REQUIRE(std::holds_alternative<hawatch::promql::Labels>(empty));
  BOOST_TEST(std::get<hawatch::promql::Labels>(empty).empty());
}

BOOST_AUTO_TEST_CASE(passing_file_prints_success_and_exits_0) {
  const Run r = run({kFixtures + "basic_test.yml", kFixtures + "nointerval_test.yml"});
  BOOST_TEST(r.rc == 0, r.err);
  BOOST_TEST(r.out == "Unit Testing:  " + kFixtures +
                          "basic_test.yml\n  SUCCESS\n\nUnit Testing:  " + kFixtures +
                          "nointerval_test.yml\n  SUCCESS\n\n");
  BOOST_TEST(r.err.empty());
}

BOOST_AUTO_TEST_CASE(failing_file_prints_promtools_diff_and_exits_1) {
  const Run r = run({kFixtures + "failing_test.yml", kFixtures + "basic_test.yml"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(contains(r.out, "  SUCCESS"));  // the second file still runs
  BOOST_TEST(
      contains(
          r.err,
          "  FAILED:\n    name: wrong expectations,\n    alertname: InstanceDown, time: 5m, \n"
          "        exp:[\n            0:\n              Labels:{alertname=\"InstanceDown\", "
          "instance=\"pi1:9100\"}\n              Annotations:{}\n            ], \n        got:[\n"),
      r.err);
  BOOST_TEST(
      contains(
          r.err,
          "    expr: \"load\", time: 2m,\n        exp: {__name__=\"load\", instance=\"b\"} 5E-01\n"
          "        got: {__name__=\"load\", instance=\"b\"} 1E+03\n"),
      r.err);
  BOOST_TEST(contains(r.err, "        got: nil\n"), r.err);
}

BOOST_AUTO_TEST_CASE(rule_errors_stop_the_test_group) {
  const Run r = run({kFixtures + "limit_test.yml"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(
      contains(r.err, "    rule: TooMany, time: 1m0s, err: exceeded limit of 1 with 2 alerts\n"),
      r.err);
}

BOOST_AUTO_TEST_CASE(file_level_problems) {
  hawatch::test::TempDir dir;
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.path / name) << text;
    return (dir.path / name).string();
  };
  Run r = run({write("unknown.yml", "rule_files: []\nbogus: 1\n")});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(
      contains(
          r.err,
          "yaml: unmarshal errors:\n  line 2: field bogus not found in type main.unitTestFile"),
      r.err);
  r = run({write("nomatch.yml", "rule_files: [nope/*.yml]\ntests: []\n")});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(
      contains(r.err, "  WARNING: no file match pattern " + (dir.path / "nope/*.yml").string()),
      r.err);
  r = run({write("order.yml", "group_eval_order: [a, a]\n")});
  BOOST_TEST(contains(r.err, "group name repeated in evaluation order: a"));
  r = run({write("noname.yml",
                 "tests: [ { interval: 1m, alert_rule_test: [ { eval_time: 1m } ] } ]\n")});
  BOOST_TEST(contains(r.err, "misses required attribute alertname at eval_time 1m"), r.err);
  write("bad_rules.yml", "groups: [ { name: g, rules: [ { record: 'x y', expr: up } ] } ]\n");
  r = run({write("badrules.yml", "rule_files: [bad_rules.yml]\ntests: [ { interval: 1m } ]\n")});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(contains(r.err, "bad_rules.yml:1:"), r.err);
  r = run({(dir.path / "missing.yml").string()});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(contains(r.err, "cannot open"));
  r = run({write("bomb.yml", "a: &a [x]\ntests: *a\n")});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(contains(r.err, "anchors"));
}
