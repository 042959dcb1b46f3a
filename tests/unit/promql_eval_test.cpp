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
