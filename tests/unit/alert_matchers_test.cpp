// The alert model and Alertmanager's matcher syntax: fingerprints equal prometheus/common's (values
// computed by Go's model.LabelSet.Fingerprint), matchers parse as Alertmanager 0.25 parses them,
// regexes are anchored, and every error names the input and the column.
#define BOOST_TEST_MODULE alert_matchers
#include <boost/test/unit_test.hpp>
#include <string>

#include "contains.h"
#include "matchers/parse.h"
#include "model/alert.h"
#include "model/json_writer.h"

using namespace hawatch::alerting;
using hawatch::test::contains;

BOOST_AUTO_TEST_CASE(fingerprint_is_fnv1a_over_sorted_names_and_values) {
  // FNV-1a 64 offset basis: the empty label set.
  BOOST_TEST(fingerprint({}) == 14695981039346656037ULL);
  // Hand computation: hash("a" 0xff "b" 0xff) with FNV-1a 64.
  std::uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : std::string("a\xff"
                                     "b\xff")) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  BOOST_TEST(fingerprint({{"a", "b"}}) == h);
  // Order of insertion does not matter; a different split of the same bytes does.
  BOOST_TEST(fingerprint({{"x", "1"}, {"a", "2"}}) == fingerprint({{"a", "2"}, {"x", "1"}}));
  BOOST_TEST(fingerprint({{"ab", "c"}}) != fingerprint({{"a", "bc"}}));
  BOOST_TEST(format_fingerprint(0x1234) == "0000000000001234");
}

BOOST_AUTO_TEST_CASE(label_set_prints_as_go_does) {
  BOOST_TEST(format_label_set({}) == "{}");
  BOOST_TEST(format_label_set({{"b", "2"}, {"a", "x\"y\n"}}) == "{a=\"x\\\"y\\n\", b=\"2\"}");
  // Go sorts the name=value strings: "a0=" sorts before "a=".
  BOOST_TEST(format_label_set({{"a", "1"}, {"a0", "2"}}) == "{a0=\"2\", a=\"1\"}");
  BOOST_TEST(go_quote(std::string("\xff\x01", 2)) == "\"\\xff\\x01\"");
}

BOOST_AUTO_TEST_CASE(times_print_as_rfc3339nano) {
  BOOST_TEST(format_rfc3339(Time{}) == "0001-01-01T00:00:00Z");
  BOOST_TEST(format_rfc3339(Time{std::chrono::seconds(1700000000)}) == "2023-11-14T22:13:20Z");
  BOOST_TEST(format_rfc3339(Time{std::chrono::milliseconds(1700000000120)}) ==
             "2023-11-14T22:13:20.12Z");
}

BOOST_AUTO_TEST_CASE(merge_keeps_earliest_start_and_explicit_end) {
  const Time t0{std::chrono::seconds(1000)};
  Alert old{{{"a", "1"}}, {}, t0, t0 + std::chrono::minutes(10), "", t0, false};
  Alert young = old;
  young.starts_at = t0 + std::chrono::minutes(1);
  young.ends_at = t0 + std::chrono::minutes(5);
  young.updated_at = t0 + std::chrono::minutes(1);
  young.annotations = {{"summary", "new"}};
  const Alert m = merge_alerts(old, young, t0 + std::chrono::minutes(2));
  BOOST_TEST((m.starts_at == t0));
  BOOST_TEST((m.ends_at == t0 + std::chrono::minutes(10)));  // the later explicit end
  BOOST_TEST(m.annotations.at("summary") == "new");
}

BOOST_AUTO_TEST_CASE(json_writer_output_is_valid_whatever_the_input) {
  std::string out;
  append_json_string(out, std::string("a\"\\\n\x01\x7f\xff\xc3\xa9\xed\xa0\x80", 12));
  BOOST_TEST(out == "\"a\\\"\\\\\\n\\u0001\\u007f\\ufffd\xc3\xa9\\ufffd\\ufffd\\ufffd\"");
  JsonWriter w;
  w.begin_object().key("a").value(1).key("b").begin_array().value("x").value(true).end_array();
  w.end_object();
  BOOST_TEST(w.str() == "{\"a\":1,\"b\":[\"x\",true]}");
}

BOOST_AUTO_TEST_CASE(parses_the_four_operators) {
  const Matchers ms = parse_matchers("{a=\"1\", b!=\"2\", c=~\"x|y\", d!~\"z.*\"}", "test");
  BOOST_REQUIRE(ms.size() == 4u);
  BOOST_TEST((ms[0].type() == MatchType::equal));
  BOOST_TEST((ms[1].type() == MatchType::not_equal));
  BOOST_TEST((ms[2].type() == MatchType::regex));
  BOOST_TEST((ms[3].type() == MatchType::not_regex));
  BOOST_TEST(ms[2].value() == "x|y");
  BOOST_TEST(to_string(ms) == "{a=\"1\",b!=\"2\",c=~\"x|y\",d!~\"z.*\"}");
}

BOOST_AUTO_TEST_CASE(values_quoted_unquoted_and_escaped_as_alertmanager) {
  BOOST_TEST(parse_matcher("foo=bar", "t").value() == "bar");
  BOOST_TEST(parse_matcher("  foo  =  bar baz  ", "t").value() == "bar baz");
  BOOST_TEST(parse_matcher(R"(foo="a\"b\\c\nd")", "t").value() == "a\"b\\c\nd");
  BOOST_TEST(parse_matcher(R"(foo="a\qb")", "t").value() == "a\\qb");  // spurious escape
  BOOST_TEST(parse_matcher(R"(foo=a\)", "t").value() == "a\\");        // trailing backslash
  BOOST_TEST(parse_matcher("foo=", "t").value() == "");
  BOOST_TEST(parse_matcher("foo=\"\"", "t").value() == "");
  // Commas inside quotes stay; =~ is preferred over = when both fit.
  const Matchers ms = parse_matchers(R"(a="x,y",b=~"=")", "t");
  BOOST_REQUIRE(ms.size() == 2u);
  BOOST_TEST(ms[0].value() == "x,y");
  BOOST_TEST(ms[1].value() == "=");
  BOOST_TEST(parse_matchers("{}", "t").empty());
  BOOST_TEST(parse_matchers("", "t").empty());
  BOOST_TEST(parse_matchers("a=b,", "t").size() == 1u);
  BOOST_TEST(parse_matcher("ns:name_1=x", "t").name() == "ns:name_1");
}

BOOST_AUTO_TEST_CASE(regexes_are_fully_anchored) {
  const Matcher m = parse_matcher("job=~\"node|api\"", "t");
  BOOST_TEST(m.matches(std::string_view("node")));
  BOOST_TEST(m.matches(std::string_view("api")));
  BOOST_TEST(!m.matches(std::string_view("nodes")));
  BOOST_TEST(!m.matches(std::string_view("xapi")));
  const Matcher n = parse_matcher("job!~\"no.*\"", "t");
  BOOST_TEST(!n.matches(std::string_view("node")));
  BOOST_TEST(n.matches(std::string_view("api")));
  // An absent label is the empty string.
  BOOST_TEST(parse_matcher("x=\"\"", "t").matches(LabelSet{{"y", "1"}}));
  BOOST_TEST(parse_matcher("x=~\".*\"", "t").matches(LabelSet{}));
  BOOST_TEST(!parse_matcher("x=~\".+\"", "t").matches(LabelSet{}));
  // A pattern with catastrophic backtracking elsewhere is linear in RE2.
  const Matcher evil = parse_matcher("x=~\"(a+)+b\"", "t");
  BOOST_TEST(!evil.matches(std::string(100000, 'a')));
}

void expect_error(const std::string& text, std::size_t column, const std::string& what) {
  try {
    (void)parse_matchers(text, "route.matchers[0]");
    BOOST_ERROR("no error for " << text);
  } catch (const MatcherError& e) {
    BOOST_TEST(e.column() == column, text << ": " << e.what());
    BOOST_TEST(contains(e.what(), "route.matchers[0]: matcher \"" + text + "\""), e.what());
    BOOST_TEST(contains(e.what(), what), e.what());
  }
}

BOOST_AUTO_TEST_CASE(errors_name_input_and_column) {
  expect_error("=x", 1, "expected a label name");
  expect_error("1a=x", 1, "expected a label name");
  expect_error("a~x", 2, "expected one of =, !=, =~, !~");
  expect_error("a=\"x", 5, "missing closing double quote");
  expect_error("a=x\"y", 4, "unescaped double quote");
  expect_error("a=\"x\"y\"", 5, "unescaped double quote");
  expect_error("a=b,c", 6, "expected one of");
  expect_error("a=b,,c=d", 5, "expected a label name");
  expect_error("a=~\"(\"", 4, "bad regex");
  expect_error(std::string("a=\"\xff\""), 4, "not valid UTF-8");
}

BOOST_AUTO_TEST_CASE(old_match_maps_become_matchers) {
  const Matchers ms = matchers_from_maps({{"a", "1"}}, {{"b", "x.*"}});
  BOOST_REQUIRE(ms.size() == 2u);
  BOOST_TEST(matches_all(ms, {{"a", "1"}, {"b", "xyz"}}));
  BOOST_TEST(!matches_all(ms, {{"a", "1"}, {"b", "axyz"}}));
}
