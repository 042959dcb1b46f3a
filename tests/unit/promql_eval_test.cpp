// The PromQL evaluator against promtool 2.42: every case in tests/fixtures/promql/cases.yml
// (operators, matching, aggregations, functions, lookback, staleness, rate extrapolation) must
// give exactly the samples — labels and bit-identical values — or the error message promtool
// gave. Further cases cover what promtool cannot show (max_samples, storage retention).
#define BOOST_TEST_MODULE promql_eval
#include <algorithm>
#include <bit>
#include <boost/test/unit_test.hpp>
#include <sstream>
#include <string>
#include <variant>

#include "contains.h"
#include "promql/promql.h"
#include "promql_promtool_cases.h"

using namespace hawatch::promql;
using hawatch::test::contains;

namespace {

Labels to_labels(const LabelPairs& pairs) {
  std::vector<Label> labels;
  for (const auto& [name, value] : pairs) labels.push_back(Label{name, value});
  return Labels(std::move(labels));
}

bool same_value(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// promtool's storage hands series out in no fixed order, so which two series a duplicate-match
// message names varies from run to run: compare the message without them.
bool same_error(const std::string& got, const std::string& want) {
  const std::string duplicate = "found duplicate series for the match group ";
  if (got.starts_with(duplicate) && want.starts_with(duplicate)) {
    const auto tail = [](const std::string& s) { return s.substr(s.find("];")); };
    const auto side = [](const std::string& s) { return s.substr(s.find("} on the "), 30); };
    return tail(got) == tail(want) && side(got) == side(want);
  }
  return got == want;
}

std::string describe(const Vector& v) {
  std::ostringstream out;
  out.precision(17);
  for (const auto& s : v) out << s.labels.to_string() << " " << s.value << "; ";
  return out.str();
}

Expr parse_ok(const std::string& text) {
  auto result = parse(text);
  if (auto* e = std::get_if<ParseError>(&result))
    BOOST_FAIL("parse of " << text << " failed: " << e->message);
  return std::get<Expr>(result);
}

// Evaluates and returns the instant vector (a scalar as one sample without labels, as
// promtool shows it).
Vector eval_vector(const Expr& expr, const Storage& storage, Timestamp t,
                   const EvalOptions& options = {}) {
  auto value = evaluate(expr, storage, t, options);
  if (auto* s = std::get_if<Scalar>(&value)) return Vector{Sample{Labels{}, s->value, t}};
  return std::get<Vector>(value);
}

MemoryStorage storage_for(const PromtoolGroup& group) {
  MemoryStorage storage(std::chrono::hours(24 * 365));
  for (const auto& series : group.series)
    for (const auto& [t, v] : series.points) storage.append(to_labels(series.labels), t, v);
  return storage;
}

}  // namespace

BOOST_AUTO_TEST_CASE(promtool_cases) {
  int checked = 0;
  for (const auto& group : promtool_groups()) {
    const auto storage = storage_for(group);
    for (const auto& c : group.cases) {
      BOOST_TEST_CONTEXT(group.name << ": " << c.expr << " at " << c.eval_ms << "ms") {
        const auto expr = parse_ok(c.expr);
        ++checked;
        if (!c.error.empty()) {
          try {
            const auto got = eval_vector(expr, storage, c.eval_ms);
            BOOST_ERROR("no error, got " << describe(got) << "; promtool: " << c.error);
          } catch (const EvalError& e) {
            BOOST_TEST(same_error(e.what(), c.error), e.what() << "\n want " << c.error);
          }
          continue;
        }
        auto got = eval_vector(expr, storage, c.eval_ms);
        std::sort(got.begin(), got.end(),
                  [](const Sample& a, const Sample& b) { return a.labels < b.labels; });
        Vector want;
        for (const auto& s : c.expected) want.push_back(Sample{to_labels(s.labels), s.value, 0});
        std::sort(want.begin(), want.end(),
                  [](const Sample& a, const Sample& b) { return a.labels < b.labels; });
        bool equal = got.size() == want.size();
        for (std::size_t i = 0; equal && i < got.size(); ++i)
          equal = got[i].labels == want[i].labels && same_value(got[i].value, want[i].value);
        BOOST_TEST(equal, "got " << describe(got) << "\n want " << describe(want));
      }
    }
  }
  BOOST_TEST(checked > 150);
}

namespace {

Labels L(std::vector<Label> labels) {
  return Labels(std::move(labels));
}

Vector eval_at(const std::string& text, const Storage& storage, Timestamp t,
               const EvalOptions& options = {}) {
  return eval_vector(parse_ok(text), storage, t, options);
}

std::string eval_error(const std::string& text, const Storage& storage, Timestamp t,
                       const EvalOptions& options = {}) {
  try {
    const auto v = eval_at(text, storage, t, options);
    return "no error: " + describe(v);
  } catch (const EvalError& e) {
    return e.what();
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(labels_are_a_sorted_set_without_empty_values) {
  const Labels l({{"b", "2"}, {"__name__", "m"}, {"a", "1"}, {"e", ""}, {"a", "3"}});
  BOOST_TEST(l.to_string() == R"({__name__="m", a="3", b="2"})");
  BOOST_TEST(l.metric_name() == "m");
  BOOST_TEST(!l.has("e"));
  Labels m = l;
  m.set("c", "x\"y\n");
  m.set("a", "");
  m.erase("b");
  BOOST_TEST(m.to_string() == R"({__name__="m", c="x\"y\n"})");
  BOOST_TEST(L({{"Z", "1"}, {"__name__", "m"}}).to_string() == R"({Z="1", __name__="m"})");
  BOOST_TEST(l.hash() == Labels({{"a", "3"}, {"b", "2"}, {"__name__", "m"}}).hash());
  BOOST_TEST(l.hash() != m.hash());
}

BOOST_AUTO_TEST_CASE(hand_built_matchers_are_anchored_like_compiled_ones) {
  const Matcher hand{MatchType::regex, "a", "b.*", nullptr};
  BOOST_TEST(hand.matches("bc"));
  BOOST_TEST(!hand.matches("abc"));
  const auto made = Matcher::make(MatchType::not_regex, "a", "b|c");
  BOOST_TEST(made.matches("bc"));
  BOOST_TEST(!made.matches("c"));
  BOOST_CHECK_THROW(Matcher::make(MatchType::regex, "a", "(?<n>x)"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(storage_keeps_order_retention_and_staleness) {
  MemoryStorage storage(std::chrono::minutes(10));
  const auto up = L({{"__name__", "up"}, {"job", "a"}});
  storage.append(up, 60'000, 1);
  storage.append(up, 30'000, 5);              // out of order: ignored
  storage.append(up, 60'000, 7);              // same time: ignored
  storage.append(up, 120'000, std::nan(""));  // an ordinary NaN is a value
  BOOST_TEST(eval_at("up", storage, 120'000).size() == 1);
  BOOST_TEST(std::isnan(eval_at("up", storage, 120'000)[0].value));
  BOOST_TEST(eval_at("up", storage, 90'000)[0].value == 1);
  storage.mark_stale(up, 180'000);
  BOOST_TEST(eval_at("up", storage, 180'000).empty());
  BOOST_TEST(eval_at("count_over_time(up[10m])", storage, 180'000)[0].value == 2);
  storage.append(L({{"__name__", "other"}}), 900'000, 1);
  BOOST_TEST(storage.series_count() == 2);
  storage.compact(900'000);  // drops everything older than 5m before 15m
  BOOST_TEST(storage.series_count() == 1);
  BOOST_TEST(eval_at("up", storage, 180'000).empty());
}

BOOST_AUTO_TEST_CASE(lookback_delta_is_an_option) {
  MemoryStorage storage;
  storage.append(L({{"__name__", "x"}}), 0, 1);
  EvalOptions one_minute;
  one_minute.lookback_delta = std::chrono::minutes(1);
  BOOST_TEST(eval_at("x", storage, 60'000, one_minute).size() == 1);
  BOOST_TEST(eval_at("x", storage, 60'001, one_minute).empty());
  BOOST_TEST(eval_at("x", storage, 300'000).size() == 1);
  BOOST_TEST(eval_at("x", storage, 300'001).empty());
}

BOOST_AUTO_TEST_CASE(max_samples_bounds_an_evaluation) {
  MemoryStorage storage;
  for (int i = 0; i < 100; ++i)
    for (int t = 0; t < 10; ++t)
      storage.append(L({{"__name__", "x"}, {"i", std::to_string(i)}}), t * 15'000, t);
  EvalOptions small;
  small.max_samples = 500;
  BOOST_TEST(eval_at("x", storage, 150'000, small).size() == 100);
  BOOST_TEST(eval_error("rate(x[5m])", storage, 150'000, small) ==
             "query processing would load too many samples into memory in query execution");
  BOOST_TEST(eval_at("rate(x[5m])", storage, 150'000).size() == 100);
}

BOOST_AUTO_TEST_CASE(value_kinds_of_the_result) {
  MemoryStorage storage;
  const auto x = L({{"__name__", "x"}, {"a", "b"}});
  storage.append(x, 10'000, 1);
  storage.append(x, 20'000, 2);
  const auto matrix = evaluate(parse_ok("x[1m]"), storage, 30'000);
  const auto& m = std::get<Matrix>(matrix);
  BOOST_REQUIRE(m.size() == 1);
  BOOST_TEST(m[0].labels.to_string() == x.to_string());
  BOOST_TEST(m[0].points.size() == 2);
  BOOST_TEST(m[0].points[1].t == 20'000);
  const auto str = evaluate(parse_ok("\"hello\""), storage, 30'000);
  BOOST_TEST(std::get<String>(str).value == "hello");
  const auto scalar = evaluate(parse_ok("1 + time()"), storage, 30'000);
  BOOST_TEST(std::get<Scalar>(scalar).value == 31);
  BOOST_TEST(std::get<Scalar>(scalar).t == 30'000);
  const auto vector = evaluate(parse_ok("x"), storage, 30'000);
  BOOST_TEST(std::get<Vector>(vector)[0].t == 30'000);  // the evaluation time, as Prometheus
}

BOOST_AUTO_TEST_CASE(evaluation_errors_carry_prometheus_messages) {
  MemoryStorage storage;
  storage.append(L({{"__name__", "x"}, {"a", "1"}}), 0, 1);
  BOOST_TEST(eval_error("holt_winters(x[5m], 1.5, 0.5)", storage, 0) ==
             "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.500000");
  BOOST_TEST(eval_error("holt_winters(x[5m], 0.5, 0)", storage, 0) ==
             "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
  BOOST_TEST(eval_error("topk(1e300, x)", storage, 0) == "Scalar value 1e+300 overflows int64");
  // Bounded label building: a long template over a long value is refused, not built.
  MemoryStorage big;
  big.append(L({{"__name__", "y"}, {"v", std::string(4096, 'a')}}), 0, 1);
  std::string tmpl;
  for (int i = 0; i < 1000; ++i) tmpl += "$1";
  BOOST_TEST(
      contains(eval_error("label_replace(y, \"d\", \"" + tmpl + "\", \"v\", \"(.*)\")", big, 0),
               "longer than"));
}

BOOST_AUTO_TEST_CASE(subqueries_are_bounded_and_take_the_default_step) {
  MemoryStorage storage;
  for (int t = 0; t <= 600; t += 10) storage.append(L({{"__name__", "c"}}), t * 1000, t);
  BOOST_TEST(eval_at("count_over_time(c[2m:])", storage, 300'000)[0].value == 3);
  EvalOptions thirty;
  thirty.default_subquery_step = std::chrono::seconds(30);
  BOOST_TEST(eval_at("count_over_time(c[2m:])", storage, 300'000, thirty)[0].value == 5);
  BOOST_TEST(contains(eval_error("count_over_time(c[1y:1ms])", storage, 300'000),
                      "more than 11000 steps"));
  EvalOptions small;
  small.max_samples = 1000;
  BOOST_TEST(
      eval_error("max_over_time(max_over_time(c[10m:1s])[10m:1s])", storage, 600'000, small) ==
      "query processing would load too many samples into memory in query execution");
}
