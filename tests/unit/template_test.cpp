// Alert templates: outputs and error messages are those promtool 2.42 printed for the same
// annotations (captured from `promtool test rules`), humanize functions digit for digit, and
// bounds on hostile templates.
#define BOOST_TEST_MODULE template
#include "template/template.h"

#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

#include "contains.h"
#include "template/functions.h"

using namespace hawatch::tmpl;
using hawatch::test::contains;

namespace {

AlertData sample_data() {
  AlertData d;
  d.labels = {{"__name__", "up"}, {"instance", "x"}, {"job", "a"}};
  d.value = 5;
  return d;
}

std::string expand(const std::string& text, const AlertData& data = sample_data()) {
  auto t = AlertTemplate::parse(text, "A");
  if (auto* e = std::get_if<std::string>(&t)) return "PARSE: " + *e;
  return std::get<AlertTemplate>(t).expand(data);
}

}  // namespace

BOOST_AUTO_TEST_CASE(outputs_match_promtool) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"{{ $labels }} {{ . }} {{ $value }} {{ printf \"%d %s %v %5.1f|%-4s|%x\" $value 3 nil 2.25 "
       "\"ab\" 255 }}",
       "map[__name__:up instance:x job:a] {map[__name__:up instance:x job:a] map[]  5} 5 "
       "%!d(float64=5) "
       "%!s(int=3) <nil>   2.2|ab  |ff"},
      {"{{ index $labels \"job\" }} {{ len $labels }} {{ title \"hello wORLD-x_y\" }} {{ "
       "reReplaceAll \"(a+)b\" \"[$1]\" \"aab ab\" }}",
       "a 3 Hello WORLD-X_y [aa] [a]"},
      {"x {{- \"  y  \" -}} z {{/* c */}} {{ with $labels.nope }}W{{ else }}noW{{ end }} {{ range "
       "$k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}",
       "x  y  z  noW __name__=up;instance=x;job=a;"},
      {"{{ $value | printf \"%.3f\" }} {{ 1e3 }} {{ 0x10 }} {{ 'a' }} {{ eq 1 1 2 }} {{ "
       ".Labels.job }} {{ humanize 1234567 }} "
       "{{ humanize 0.00012 }} {{ humanize1024 1 }} {{ humanizeDuration 0.25 }} {{ "
       "humanizeDuration -90061 }}",
       "5.000 1000 16 97 true a 1.235M 120u 1 250ms -1d 1h 1m 1s"},
      {"{{ printf \"%q %v %s\" \"a\\\"b\" 1e21 1e20 }} {{ printf \"%d\" }} {{ printf \"%s\" 1 2 }} "
       "{{ printf \"%t %v\" true 0.1 }} "
       "{{ humanize \"1e300\" }} {{ humanizeTimestamp 1700000000 }}",
       "\"a\\\"b\" 1e+21 %!s(float64=1e+20) %!d(MISSING) %!s(int=1)%!(EXTRA int=2) true 0.1 "
       "1e+276Y 2023-11-14 "
       "22:13:20 +0000 UTC"},
      {"Instance {{ $labels.instance }} down", "Instance x down"},
      {"{{ $value }} {{ humanize $value }} {{ humanizeDuration 3661.5 }} {{ humanizeTimestamp 1.5 "
       "}} {{ humanize1024 2048 }} "
       "{{ humanizePercentage 0.1234 }} {{ printf \"%.2f|%d|%q|%v|%s\" 3.14159 3 \"x\" 2.5 \"s\" "
       "}}",
       "5 5 1h 1m 1s 1970-01-01 00:00:01.5 +0000 UTC 2ki 12.34% 3.14|3|\"x\"|2.5|s"},
  };
  for (const auto& [text, want] : cases) BOOST_TEST(expand(text) == want, text);
}

BOOST_AUTO_TEST_CASE(execution_errors_match_promtool) {
  const std::string head =
      "<error expanding template: error executing template __alert_A: template: __alert_A:1:";
  BOOST_TEST(expand("{{ toUpper $value }}") ==
             head +
                 "123: executing \"__alert_A\" at <$value>: wrong type for value; expected string; "
                 "got float64>");
  BOOST_TEST(expand("{{ $value | toUpper }}") ==
             head +
                 "124: executing \"__alert_A\" at <toUpper>: wrong type for value; expected "
                 "string; got float64>");
  BOOST_TEST(expand("{{ humanize \"x\" }}") ==
             head +
                 "115: executing \"__alert_A\" at <humanize \"x\">: error calling humanize: "
                 "strconv.ParseFloat: "
                 "parsing \"x\": invalid syntax>");
  // Go refuses to compare float64 $value with the int constant 3 (write 3.0).
  BOOST_TEST(expand("{{ if gt $value 3 }}big{{ end }}") ==
             head +
                 "118: executing \"__alert_A\" at <gt $value 3>: error calling gt: incompatible "
                 "types for comparison>");
  BOOST_TEST(
      expand("{{ if gt $value 3.0 }}big{{ else if lt $value 0.0 }}neg{{ else }}small{{ end }}") ==
      "big");
}

BOOST_AUTO_TEST_CASE(parse_errors_are_gos) {
  BOOST_TEST(expand("{{ nosuch }}") ==
             "PARSE: template: __alert_A:1: function \"nosuch\" "
             "not defined");
  BOOST_TEST(expand("{{ if }}") == "PARSE: template: __alert_A:1: missing value for if");
  BOOST_TEST(contains(expand("{{ if true }}x"), "unexpected EOF"));
  BOOST_TEST(contains(expand("{{ end }}"), "unexpected {{end}}"));
  BOOST_TEST(contains(expand("{{ $undefined }}"), "undefined variable \"$undefined\""));
  BOOST_TEST(
      contains(expand("a\nb {{ \"unterminated }}"), "__alert_A:2: unterminated quoted string"));
  BOOST_TEST(contains(expand("{{ define \"x\" }}{{ end }}"), "not supported"));
  // Messages promtool 2.42 printed for the same templates.
  const std::string head = "PARSE: template: __alert_A:1: ";
  BOOST_TEST(expand("{{ ( }}") == head + "unclosed left paren");
  BOOST_TEST(expand("{{ ) }}") == head + "unexpected \")\" in command");
  BOOST_TEST(expand("{{ | toUpper }}") == head + "unexpected \"|\" in command");
  BOOST_TEST(expand("{{ .a. }}") == head + "unexpected <.> in operand");
  BOOST_TEST(expand("{{ 0x }}") == head + "illegal number syntax: \"0x\"");
  BOOST_TEST(expand("{{ @ }}") == head + "unexpected \"@\" in command");
  BOOST_TEST(expand("{{ range $a, $b, $c := . }}{{ end }}") ==
             head + "too many declarations in range");
  // Go's parser accepts these; they fail when executed.
  BOOST_TEST(contains(expand("{{ nil }}"), "at <nil>: nil is not a command>"));
  BOOST_TEST(contains(expand("{{ 1 2 }}"), "at <1>: can't give argument to non-function 1>"));
  BOOST_TEST(contains(expand("{{ $x = 1 }}"),
                      "__alert_A:1:120: executing \"__alert_A\" at <1>: undefined variable: $x>"));
}

BOOST_AUTO_TEST_CASE(variables_are_scoped_as_go) {
  BOOST_TEST(expand("{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}") == "2");
  BOOST_TEST(contains(expand("{{ if true }}{{ $y := 3 }}{{ end }}{{ $y }}"), "undefined variable"));
  BOOST_TEST(expand("{{ range $labels }}{{ . }},{{ else }}none{{ end }}") == "up,x,a,");
  AlertData empty;
  BOOST_TEST(expand("{{ range $labels }}{{ . }}{{ else }}none{{ end }}", empty) == "none");
  BOOST_TEST(expand("{{ range $k, $v := $labels }}{{ if eq $k \"job\" }}{{ break }}{{ end }}{{ $k "
                    "}} {{ end }}") == "__name__ instance ");
  BOOST_TEST(expand("{{ with $labels.job }}job={{ . }}{{ end }}") == "job=a");
  BOOST_TEST(expand("{{ and 1 0 }} {{ or 0 \"\" \"z\" }} {{ not 0 }}") == "0 z true");
  BOOST_TEST(expand("{{ (printf \"%s-%s\" \"a\" \"b\") | toUpper }}") == "A-B");
}

BOOST_AUTO_TEST_CASE(humanize_functions_digit_for_digit) {
  using namespace hawatch::tmpl::detail;
  BOOST_TEST(humanize(0) == "0");
  BOOST_TEST(humanize(1) == "1");
  BOOST_TEST(humanize(999.5) == "999.5");
  BOOST_TEST(humanize(1000) == "1k");
  BOOST_TEST(humanize(-1234567) == "-1.235M");
  BOOST_TEST(humanize(1.5e-9) == "1.5n");
  BOOST_TEST(humanize(1e30) == "1e+06Y");
  BOOST_TEST(humanize(std::numeric_limits<double>::quiet_NaN()) == "NaN");
  BOOST_TEST(humanize(std::numeric_limits<double>::infinity()) == "+Inf");
  BOOST_TEST(humanize1024(1023) == "1023");
  BOOST_TEST(humanize1024(1024) == "1ki");
  BOOST_TEST(humanize1024(1.5 * 1024 * 1024 * 1024) == "1.5Gi");
  BOOST_TEST(humanize1024(0.5) == "0.5");
  BOOST_TEST(humanize_duration(0) == "0s");
  BOOST_TEST(humanize_duration(59.999) == "60s");
  BOOST_TEST(humanize_duration(60) == "1m 0s");
  BOOST_TEST(humanize_duration(86400 * 3 + 1) == "3d 0h 0m 1s");
  BOOST_TEST(humanize_duration(0.0015) == "1.5ms");
  BOOST_TEST(humanize_percentage(0.5) == "50%");
  BOOST_TEST(humanize_percentage(1) == "100%");
  BOOST_TEST(humanize_timestamp(0) == "1970-01-01 00:00:00 +0000 UTC");
  BOOST_TEST(humanize_timestamp(-1.5) == "1969-12-31 23:59:58.5 +0000 UTC");
  BOOST_TEST(humanize_timestamp(951782400) == "2000-02-29 00:00:00 +0000 UTC");
}

BOOST_AUTO_TEST_CASE(printf_verbs) {
  using namespace hawatch::tmpl::detail;
  BOOST_TEST(go_sprintf("%05.1f|%+d|%x|%X|%o|%q|%v|%e|%g|%G",
                        {2.25, std::int64_t{3}, std::string("hi"), std::int64_t{255},
                         std::int64_t{8}, std::int64_t{'a'}, 1e-7, 1234.5678, 100000.0, 1e-10}) ==
             "002.2|+3|6869|FF|10|'a'|1e-07|1.234568e+03|100000|1E-10");
  BOOST_TEST(go_sprintf("%z %", {std::string("s")}) == "%!z(string=s) %!(NOVERB)");
  BOOST_TEST(go_sprintf("100%%", {}) == "100%");
  BOOST_TEST(go_sprintf("%6.2s|%-6s|", {std::string("abcdef"), std::string("ab")}) ==
             "    ab|ab    |");
}

BOOST_AUTO_TEST_CASE(hostile_templates_are_bounded) {
  // Output: a huge width runs into the output limit instead of allocating without end.
  BOOST_TEST(contains(expand("{{ printf \"%999999999s\" \"x\" }}"), "template output exceeds"));
  // Steps: nested ranges over a large map stay within the step budget.
  AlertData big;
  for (int i = 0; i < 1000; ++i) big.labels["l" + std::to_string(i)] = "v";
  Limits small;
  small.max_steps = 5000;
  auto t = std::get<AlertTemplate>(
      AlertTemplate::parse("{{ range $labels }}{{ range $labels }}.{{ end }}{{ end }}", "A"));
  BOOST_TEST(contains(t.expand(big, small), "template execution exceeds 5000 steps"));
  // Nesting depth and size are refused at parse time.
  std::string deep;
  for (int i = 0; i < 500; ++i) deep += "{{ if true }}";
  BOOST_TEST(contains(expand(deep), "nesting exceeds"));
  BOOST_TEST(contains(expand(std::string(kMaxTemplateBytes + 1, 'x')), "longer than"));
  // A bad regex is an error in the annotation, not a crash.
  BOOST_TEST(contains(expand("{{ reReplaceAll \"(\" \"x\" \"y\" }}"),
                      "error calling reReplaceAll: regexp: Compile"));
}
