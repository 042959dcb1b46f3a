// The PromQL parser: what it accepts parses into the tree Prometheus would build (precedence,
// associativity, modifiers), and everything outside hawatch's subset or not PromQL at all is
// refused with the offset, line, column and token of the problem — never half-accepted.
#define BOOST_TEST_MODULE promql_parser
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>
#include <vector>

#include "contains.h"
#include "promql/ast.h"
#include "promql/ast_print.h"
#include "promql/lexer.h"
#include "promql/parser.h"
#include "promql/promql.h"

using namespace hawatch::promql;
using hawatch::test::contains;

namespace {

std::string tree(const std::string& text) {
  auto result = parse_tree(text);
  if (auto* e = std::get_if<ParseError>(&result)) return "ERROR: " + e->message;
  return tree_string(*std::get<NodePtr>(result));
}

ParseError error_of(const std::string& text) {
  auto result = parse(text);
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<ParseError>(result), text << " was accepted");
  return std::get<ParseError>(result);
}

}  // namespace

BOOST_AUTO_TEST_CASE(operator_precedence_and_associativity) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1 + 2 * 3", "(+ 1 (* 2 3))"},
      {"1 * 2 + 3", "(+ (* 1 2) 3)"},
      {"1 - 2 - 3", "(- (- 1 2) 3)"},
      {"2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"},
      {"-2 ^ 2", "(- (^ 2 2))"},
      {"- a * b", "(* (- a{}) b{})"},
      {"-a ^ b", "(- (^ a{} b{}))"},
      {"2 * 3 % 4 / 5", "(/ (% (* 2 3) 4) 5)"},
      {"a > b + 1", "(> a{} (+ b{} 1))"},
      {"a == bool b", "(== bool a{} b{})"},
      {"a and b or c", "(or (and a{} b{}) c{})"},
      {"a or b and c", "(or a{} (and b{} c{}))"},
      {"a unless b and c", "(and (unless a{} b{}) c{})"},
      {"a > 1 and b < 2", "(and (> a{} 1) (< b{} 2))"},
      {"(1 + 2) * 3", "(* (+ 1 2) 3)"},
      {"2 ^ -1", "(^ 2 -1)"},
      {"-(1)", "(- 1)"},
      {"+a", "(+ a{})"},
      {"- -1", "1"},
      {"1 + -2", "(+ 1 -2)"},
      {"a - -b", "(- a{} (- b{}))"},
  };
  for (const auto& [text, want] : cases) BOOST_TEST(tree(text) == want, text);
}

BOOST_AUTO_TEST_CASE(numbers_strings_and_durations) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0x1F", "31"},
      {"010", "8"},
      {"08", "8"},
      {"1e3", "1000"},
      {".5", "0.5"},
      {"1.", "1"},
      {"Inf", "+Inf"},
      {"-inf", "-Inf"},
      {"NaN", "NaN"},
      {"1e-400", "0"},
      {R"("a\nb")", R"("a\nb")"},
      {R"('it''s')", "ERROR: unexpected string 's'"},
      {R"('x\'y')", R"("x'y")"},
      {"`raw\\n`", R"("raw\\n")"},
      {R"("\u00e9\x41\101")",
       "\"\xc3\xa9"
       "AA\""},
      {"a[1h30m]", "a{}[5400000ms]"},
      {"a[10ms]", "a{}[10ms]"},
      {"a[2w]", "a{}[1209600000ms]"},
      {"a offset 5m", "a{} offset 300000ms"},
      {"a offset -5m", "a{} offset -300000ms"},
      {"a[5m] offset 1h", "a{}[300000ms] offset 3600000ms"},
      {"a # comment\n + 1", "(+ a{} 1)"},
  };
  for (const auto& [text, want] : cases) BOOST_TEST(tree(text) == want, text);
}

BOOST_AUTO_TEST_CASE(selectors_and_matchers) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(up{job="a",instance!="b",x=~"c.*",y!~"d",})",
       R"(up{job="a",instance!="b",x=~"c.*",y!~"d"})"},
      {R"({__name__=~"up|down"})", R"({__name__=~"up|down"})"},
      {"job:rate5m:sum", "job:rate5m:sum{}"},
      {R"(x{and="1", by="2", nan="3"})", R"(x{and="1",by="2",nan="3"})"},
      {R"(sum by (job, on) (x))", "sum by (job,on) (x{})"},
      {R"(sum(x) without (a,))", "sum without (a) (x{})"},
      {"topk(3, x)", "topk (3, x{})"},
      {R"(count_values("v", x))", R"(count_values ("v", x{}))"},
      {"a + on(x) group_left(y) b", "(+ on(x) group_left(y) a{} b{})"},
      {"a + ignoring(x) group_right b", "(+ ignoring(x) group_right() a{} b{})"},
      {"a > bool on() b", "(> bool on() a{} b{})"},
      {"rate(x[5m])", "rate(x{}[300000ms])"},
      {"rate((x[5m]))", "rate(x{}[300000ms])"},
      {"round(x, 5)", "round(x{},5)"},
      {"sum > 1", "(> sum{} 1)"},
      {"rate(count{a=\"b\"}[5m])", "rate(count{a=\"b\"}[300000ms])"},
      {"sum offset 5m", "sum{} offset 300000ms"},
      {"label_join(x, \"d\", \",\", \"a\", \"b\", \"c\")",
       R"(label_join(x{},"d",",","a","b","c"))"},
      {"hour()", "hour()"},
      {"SUM(x) BY (a)", "sum by (a) (x{})"},
      {"rate(x[5m:1m])", "rate((subquery x{}[300000ms:60000ms]))"},
      {"max_over_time(rate(x[1m])[1h:] offset -5m)",
       "max_over_time((subquery rate(x{}[60000ms])[3600000ms:] offset -300000ms))"},
      {"sum(x)[5m:1m]", "(subquery sum (x{})[300000ms:60000ms])"},
  };
  for (const auto& [text, want] : cases) BOOST_TEST(tree(text) == want, text);
}

BOOST_AUTO_TEST_CASE(types_of_expressions) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1", "scalar"},     {"\"s\"", "string"},   {"x", "vector"},      {"x[5m]", "matrix"},
      {"1 + 1", "scalar"}, {"x + 1", "vector"},   {"time()", "scalar"}, {"scalar(x)", "scalar"},
      {"-x", "vector"},    {"(x[1m])", "matrix"},
  };
  for (const auto& [text, want] : cases) {
    auto result = parse(text);
    BOOST_REQUIRE(std::holds_alternative<Expr>(result));
    BOOST_TEST(std::get<Expr>(result).type_name() == want, text);
    BOOST_TEST(std::get<Expr>(result).text() == text);
  }
}

struct Refusal {
  std::string text;
  std::size_t offset;
  int line;
  int column;
  std::string token;
  std::string message;  // a part of the message
};

BOOST_AUTO_TEST_CASE(refused_constructs_report_where_and_what) {
  const std::vector<Refusal> cases = {
      {"x @ 100", 2, 1, 3, "@", "@ modifier is not supported"},
      {"(x[5m])[10m:1m]", 0, 1, 1, "(", "subquery is only allowed on instant vector, got matrix"},
      {"x[5m:0s]", 5, 1, 6, "0s", "duration must be greater than 0"},
      {"x[5m:1m", 7, 1, 8, "", "expected \"]\""},
      {"x[5m:1m] offset 1m offset 1m", 19, 1, 20, "offset", "offset may not be set multiple"},
      {"histogram_count(x)", 0, 1, 1, "histogram_count", "not supported by hawatch"},
      {"1 + sin(x)", 4, 1, 5, "sin", "function \"sin\" is not supported by hawatch"},
      {"nosuch(x)", 0, 1, 1, "nosuch", "unknown function with name \"nosuch\""},
      {"a atan2 b", 2, 1, 3, "atan2", "atan2"},
      {"1 > 2", 2, 1, 3, ">", "comparisons between scalars must use BOOL modifier"},
      {"a + bool b", 2, 1, 3, "+", "bool modifier can only be used on comparison operators"},
      {"1 and x", 2, 1, 3, "and", "set operator \"and\" not allowed in binary scalar expression"},
      {"a and on(x) group_left b", 2, 1, 3, "and", "no grouping allowed for \"and\" operation"},
      {"a + on(x) group_left(x) b", 2, 1, 3, "+", "must not occur in ON and GROUP clause"},
      {"1 + on(x) b", 0, 1, 1, "1", "vector matching only allowed between instant vectors"},
      {"rate(x)", 5, 1, 6, "x",
       "expected type range vector in call to function \"rate\", got instant vector"},
      {"abs(x[5m])", 4, 1, 5, "x", "expected type instant vector in call to function \"abs\""},
      {"abs()", 0, 1, 1, "abs", "expected 1 argument(s) in call to \"abs\", got 0"},
      {"round(x, 1, 2)", 0, 1, 1, "round", "expected at most 2 argument(s)"},
      {"label_join(x, \"a\")", 0, 1, 1, "label_join", "expected at least 3 argument(s)"},
      {"sum(x[5m])", 4, 1, 5, "x", "expected type instant vector in aggregation expression"},
      {"topk(x)", 0, 1, 1, "topk", "expected 2, got 1"},
      {"topk(\"a\", x)", 5, 1, 6, "\"a\"", "expected type scalar in aggregation parameter"},
      {"sum by (a) (x) by (b)", 15, 1, 16, "by", "unexpected identifier \"by\""},
      {"x[5m] + 1", 0, 1, 1, "x", "binary expression must contain only scalar and instant vector"},
      {"-x[5m]", 1, 1, 2, "x", "unary expression only allowed"},
      {"sum(x)[5m]", 6, 1, 7, "[", "ranges only allowed for vector selectors"},
      {"(x) offset 5m", 0, 1, 1, "(", "offset modifier must be preceded by"},
      {"x offset 1m offset 2m", 12, 1, 13, "offset", "offset may not be set multiple times"},
      {"x offset 1m [5m]", 12, 1, 13, "[", "no offset modifiers allowed before range"},
      {"x[0s]", 2, 1, 3, "0s", "duration must be greater than 0"},
      {"x[1h1h]", 2, 1, 3, "1h1h", "not a valid duration string"},
      {"x[5]", 2, 1, 3, "5", "expected duration"},
      {"5m", 0, 1, 1, "5m", "unexpected duration"},
      {"{}", 0, 1, 1, "{", "at least one non-empty matcher"},
      {"{a=~\".*\"}", 0, 1, 1, "{", "at least one non-empty matcher"},
      {"up{__name__=\"x\"}", 0, 1, 1, "up", "metric name must not be set twice"},
      {"x{a=~\"\\\\C\"}", 5, 1, 6, "\"\\\\C\"", "invalid escape sequence"},
      {"round(x, 5,)", 10, 1, 11, ",", "trailing commas not allowed in function call args"},
      {"topk(2, x,)", 9, 1, 10, ",", "trailing commas not allowed"},
      {"x{a=~\"(\"}", 5, 1, 6, "\"(\"", "error parsing regexp"},
      {"x{a=1}", 4, 1, 5, "1", "expected string"},
      {"x{a}", 3, 1, 4, "}", "expected label matching operator"},
      {"x\n  + \n  ]", 9, 3, 3, "]", "unexpected \"]\""},
      {"\"abc", 0, 1, 1, "\"abc", "unterminated quoted string"},
      {"\"a\\qb\"", 2, 1, 3, "\\q", "unknown escape sequence"},
      {"1x", 0, 1, 1, "1x", "bad number or duration syntax"},
      {"x !", 2, 1, 3, "!", "unexpected character"},
      {"0x", 0, 1, 1, "0x", "error parsing number"},
      {"1e400", 0, 1, 1, "1e400", "error parsing number"},
      {"(x", 2, 1, 3, "", "unexpected end of input"},
      {"", 0, 1, 1, "", "no expression found"},
      {"sum(", 4, 1, 5, "", "unexpected end of input"},
      {"by", 0, 1, 1, "by", "unexpected keyword"},
      {"x y", 2, 1, 3, "y", "unexpected identifier \"y\""},
      {"foo:bar(x)", 7, 1, 8, "(", "unexpected \"(\""},
  };
  for (const auto& c : cases) {
    const auto e = error_of(c.text);
    BOOST_TEST_CONTEXT(c.text << " -> " << e.message) {
      BOOST_TEST(e.offset == c.offset);
      BOOST_TEST(e.line == c.line);
      BOOST_TEST(e.column == c.column);
      BOOST_TEST(e.token == c.token);
      BOOST_TEST(contains(e.message, c.message));
    }
  }
}

BOOST_AUTO_TEST_CASE(hostile_input_is_bounded) {
  // Too long.
  const std::string long_text(kMaxExpressionBytes + 1, '1');
  BOOST_TEST(contains(error_of(long_text).message, "longer than"));
  // Deep nesting of every kind is refused, not a stack overflow.
  const std::vector<std::pair<std::string, std::string>> shapes = {
      {"(", ")"}, {"-", ""}, {"abs(", ")"}, {"sum(", ")"}};
  for (const auto& [open, close] : shapes) {
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += open;
    deep += "x";
    for (int i = 0; i < 5000; ++i) deep += close;
    BOOST_TEST(contains(error_of(deep).message, "nested more than"), open);
  }
  // A long left-associative chain is as deep a tree as nesting: bounded too.
  std::string chain = "x";
  for (int i = 0; i < 5000; ++i) chain += "+x";
  BOOST_TEST(contains(error_of(chain).message, "nested more than"));
  // Just below the bound parses.
  std::string ok = "x";
  for (int i = 0; i < kMaxExpressionDepth - 5; ++i) ok += "+x";
  BOOST_TEST(std::holds_alternative<Expr>(parse(ok)));
}

BOOST_AUTO_TEST_CASE(durations_follow_prometheus) {
  BOOST_TEST(parse_duration_ms("1h30m").value() == 5400000);
  BOOST_TEST(parse_duration_ms("1y2w3d4h5m6s7ms").value() == 365LL * 86400000 + 14LL * 86400000 +
                                                                 3LL * 86400000 + 4 * 3600000 +
                                                                 5 * 60000 + 6000 + 7);
  BOOST_TEST(parse_duration_ms("0").value() == 0);
  for (const auto* bad : {"", "1", "m", "1m1h", "1.5h", "1x", "1mm", "-1m", "99999999999999y"})
    BOOST_TEST(!parse_duration_ms(bad).has_value(), bad);
}
