// Rule files: what promtool check rules accepts is read into groups and rules; what it refuses
// is refused with FILE:LINE:COL pointing at the offending key, value or expression token; hostile
// YAML (alias bombs, huge files, too many rules) is bounded.
#define BOOST_TEST_MODULE rule_file
#include "rules/rule_file.h"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <string>

#include "contains.h"
#include "promql/duration.h"
#include "rules/duration.h"
#include "temp_dir.h"

using namespace hawatch::rules;
using hawatch::test::contains;

namespace {

RuleFiles parse(const std::string& text) {
  return parse_rule_file(text, "r.yml");
}

std::string errors_of(const RuleFiles& f) {
  std::string out;
  for (const auto& e : f.errors) out += e.to_string() + "\n";
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_file_is_read) {
  const auto f = parse(R"(groups:
  - name: g
    interval: 30s
    limit: 5
    rules:
      - record: job:up:copy
        expr: up
        labels: { team: ops }
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 2m
        labels: { severity: page }
        annotations: { summary: "{{ $labels.instance }} down" }
  - name: h
    rules: []
)");
  BOOST_TEST_REQUIRE(f.ok(), errors_of(f));
  BOOST_TEST_REQUIRE(f.groups.size() == 2u);
  const GroupSpec& g = f.groups[0];
  BOOST_TEST(g.name == "g");
  BOOST_TEST(g.interval->count() == 30000);
  BOOST_TEST(g.limit == 5u);
  BOOST_TEST_REQUIRE(g.rules.size() == 2u);
  BOOST_TEST((g.rules[0].kind == RuleSpec::Kind::recording));
  BOOST_TEST(g.rules[0].labels.at(0).second == "ops");
  BOOST_TEST(g.rules[1].name == "Down");
  BOOST_TEST(g.rules[1].for_duration.count() == 300000);
  BOOST_TEST(g.rules[1].keep_firing_for.count() == 120000);
  BOOST_TEST(g.rules[1].annotation_templates.size() == 1u);
  BOOST_TEST(g.rules[1].line == 9);
  BOOST_TEST(std::string(g.rules[1].expr.text()) == "up == 0");
  BOOST_TEST(!f.groups[1].interval.has_value());
  BOOST_TEST(parse("").ok());
}

BOOST_AUTO_TEST_CASE(refusals_name_file_line_column_and_token) {
  const auto f = parse(R"(groups:
  - name: g
    intervall: 1m
    rules:
      - record: "bad name"
        expr: up
      - alert: A
        expr: up
        for: 5 minutes
        labels: { "bad-label": x, __name__: y }
        annotations: { a: "{{ nosuch }}" }
      - expr: up
      - alert: B
        record: b
        expr: up
  - name: g
    rules: [ { record: r, expr: up, annotations: { a: b } } ]
)");
  const std::string e = errors_of(f);
  BOOST_TEST(contains(e, "r.yml:3:5: field intervall not found in type rulefmt.RuleGroup"), e);
  BOOST_TEST(
      contains(
          e,
          "r.yml:5:17: group \"g\", rule 1, \"bad name\": invalid recording rule name: bad name"),
      e);
  BOOST_TEST(contains(e,
                      "r.yml:9:14: group \"g\", rule 2, \"A\": for: not a valid duration string: "
                      "\"5 minutes\""),
             e);
  BOOST_TEST(contains(e, "invalid label name: bad-label"), e);
  BOOST_TEST(contains(e, "invalid label name: __name__"), e);
  BOOST_TEST(contains(e,
                      "r.yml:11:27: group \"g\", rule 2, \"A\": annotation \"a\": "
                      "template: __alert_A:1: function \"nosuch\" not defined"),
             e);
  BOOST_TEST(
      contains(e, "r.yml:12:9: group \"g\", rule 3, \"\": one of 'record' or 'alert' must be set"),
      e);
  BOOST_TEST(contains(e, "only one of 'record' and 'alert' must be set"), e);
  BOOST_TEST(contains(e, "r.yml:16:5: groupname: \"g\" is repeated in the same file"), e);
  BOOST_TEST(contains(e, "invalid field 'annotations' in recording rule"), e);
}

BOOST_AUTO_TEST_CASE(expression_errors_point_at_the_token) {
  // Plain scalar: the column is the scalar's plus the token's offset in the expression.
  auto f = parse("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up == )\n");
  BOOST_TEST_REQUIRE(f.errors.size() == 1u);
  BOOST_TEST(f.errors[0].line == 5);
  BOOST_TEST(f.errors[0].column == 21);
  BOOST_TEST(
      contains(f.errors[0].message, "group \"g\", rule 1, \"r\": could not parse expression: 1:7:"),
      f.errors[0].message);
  // Block scalar: the expression's second line is the file's next line, after the indentation.
  f = parse(
      "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: |\n          up\n        "
      "    == )\n");
  BOOST_TEST_REQUIRE(f.errors.size() == 1u);
  BOOST_TEST(f.errors[0].line == 7);
  BOOST_TEST(f.errors[0].column == 16);
  // Quoted scalar: one more for the quote.
  f = parse("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: \"up == )\"\n");
  BOOST_TEST_REQUIRE(f.errors.size() == 1u);
  BOOST_TEST(f.errors[0].column == 22);
  f = parse("groups:\n  - name: g\n    rules:\n      - record: r\n");
  BOOST_TEST(contains(errors_of(f), "field 'expr' must be set in rule"));
}

BOOST_AUTO_TEST_CASE(hostile_yaml_is_bounded) {
  // The billion-laughs shape: refused at the first anchor, before anything expands it.
  const std::string bomb =
      "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ngroups: [*c]\n";
  auto f = parse(bomb);
  BOOST_TEST(contains(errors_of(f), "r.yml:1:4: YAML anchors (&name) are not accepted"),
             errors_of(f));
  f = parse("groups:\n  - name: g\n    rules: *x\n");
  BOOST_TEST(!f.ok());
  // Too many rules and too large a file.
  RuleFileLimits limits;
  limits.max_rules = 3;
  std::string many = "groups:\n  - name: g\n    rules:\n";
  for (int i = 0; i < 5; ++i)
    many += "      - record: r" + std::to_string(i) + "\n        expr: up\n";
  f = parse_rule_file(many, "r.yml", limits);
  BOOST_TEST(contains(errors_of(f), "more than 3 rules"), errors_of(f));
  limits.yaml.max_bytes = 10;
  f = parse_rule_file(many, "r.yml", limits);
  BOOST_TEST(contains(errors_of(f), "file is larger than 10 bytes"));
  // Deep nesting: yaml-cpp's depth guard, reported as an error.
  f = parse(std::string(5000, '[') + std::string(5000, ']'));
  BOOST_TEST(!f.ok());
  // A second document is refused, not ignored.
  f = parse("groups: []\n---\ngroups: []\n");
  BOOST_TEST(contains(errors_of(f), "one YAML document"));
  // Syntax errors carry yaml-cpp's position.
  f = parse("groups:\n  - name: [\n");
  BOOST_TEST_REQUIRE(f.errors.size() == 1u);
  BOOST_TEST(f.errors[0].line >= 2);
}

BOOST_AUTO_TEST_CASE(globs_and_files) {
  hawatch::test::TempDir dir;
  std::filesystem::create_directory(dir.path / "rules.d");
  for (const char* name : {"b.yml", "a.yml"}) {
    std::ofstream(dir.path / "rules.d" / name)
        << "groups:\n  - name: " << name << "\n    rules:\n      - record: r\n        expr: up\n";
  }
  std::ofstream(dir.path / "rules.d" / "bad.yaml")
      << "groups: [ { name: x, rules: [ { record: r } ] } ]\n";
  std::vector<std::string> unmatched;
  auto f = read_rule_files({"rules.d/*.yml", "missing/*.yml"}, dir.path.string(), {}, &unmatched);
  BOOST_TEST_REQUIRE(f.ok(), errors_of(f));
  BOOST_TEST_REQUIRE(f.groups.size() == 2u);
  BOOST_TEST(f.groups[0].name == "a.yml");  // sorted, as filepath.Glob
  BOOST_TEST(f.groups[1].file == (dir.path / "rules.d" / "b.yml").string());
  BOOST_TEST(unmatched.size() == 1u);
  f = read_rule_files({(dir.path / "rules.d" / "bad.yaml").string()}, "");
  BOOST_TEST(contains(errors_of(f), "bad.yaml:1:"), errors_of(f));
  f = read_rule_files({(dir.path / "nope.yml").string()}, "");
  BOOST_TEST(f.ok());
  BOOST_TEST(f.groups.empty());
}

// Found by duration_fuzz: the rule layer's reader refused the largest 19-digit numbers the PromQL
// reader took, and both took more than Prometheus' (2^63 - 1) ns. Now they are one reader.
BOOST_AUTO_TEST_CASE(durations_agree_with_promql_and_stop_at_prometheus_range) {
  for (const char* text : {"9223372036854ms", "292y", "1y2w3d4h5m6s7ms", "0", "5m"}) {
    BOOST_TEST_CONTEXT(text) {
      const auto rule = parse_duration(text);
      const auto expr = hawatch::promql::parse_duration_ms(text);
      BOOST_TEST_REQUIRE(rule.has_value());
      BOOST_TEST_REQUIRE(expr.has_value());
      BOOST_TEST(rule->count() == *expr);
    }
  }
  for (const char* text : {"9223372036855ms", "293y", "9223372036854775807ms", "5s1m", "1h30"}) {
    BOOST_TEST_CONTEXT(text) {
      BOOST_TEST(!parse_duration(text).has_value());
      BOOST_TEST(!hawatch::promql::parse_duration_ms(text).has_value());
    }
  }
  // Within range, formatting reads back.
  BOOST_TEST(parse_duration(format_duration(Millis(hawatch::promql::kMaxDurationMs)))->count() ==
             hawatch::promql::kMaxDurationMs);
}
