// The Nagios output / perfdata parser on real plugin output (captured from Debian's
// monitoring-plugins) and on hand-made edge cases: units to base units, ranges, quoted labels,
// multi-line output, exit codes outside 0..3, garbage.
#define BOOST_TEST_MODULE nagios_output
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "runtime/nagios_output.h"

using namespace hawatch::plugins;

namespace {
const PerfDatum& find(const NagiosOutput& o, const std::string& label) {
  for (const auto& d : o.perfdata)
    if (d.label == label) return d;
  BOOST_FAIL("no perfdata " << label);
  throw 0;
}
}  // namespace

BOOST_AUTO_TEST_CASE(check_load_output) {
  auto o = parse_nagios_output(1, "LOAD WARNING - total load average: 8.36, 5.95, 3.84|load1=8.360;5.000;10.000;0; "
                                  "load5=5.950;4.000;8.000;0; load15=3.840;3.000;6.000;0; \n");
  BOOST_TEST(o.status == 1);
  BOOST_TEST(o.summary == "LOAD WARNING - total load average: 8.36, 5.95, 3.84");
  BOOST_TEST(o.problems.empty());
  BOOST_REQUIRE_EQUAL(o.perfdata.size(), 3u);
  const auto& l1 = find(o, "load1");
  BOOST_TEST(l1.value == 8.36);
  BOOST_TEST((l1.unit == PerfUnit::none));
  BOOST_REQUIRE(l1.warning && l1.critical && l1.min);
  BOOST_TEST(l1.warning->start == 0);
  BOOST_TEST(l1.warning->end == 5);
  BOOST_TEST(l1.critical->end == 10);
  BOOST_TEST(*l1.min == 0);
  BOOST_TEST(!l1.max);
}

BOOST_AUTO_TEST_CASE(check_disk_bytes_and_mib) {
  auto o = parse_nagios_output(0, "DISK OK - free space: / 79449MiB (81% inode=97%);| /=19436404736B;216442024755;243497277849;0;270552530944\n");
  const auto& d = find(o, "/");
  BOOST_TEST((d.unit == PerfUnit::bytes));
  BOOST_TEST(d.value == 19436404736.0);
  BOOST_TEST(*d.max == 270552530944.0);
  auto m = parse_nagios_output(0, "X | used=2MB;1;3 free=1.5KiB big=2TB\n");
  BOOST_TEST(find(m, "used").value == 2e6);
  BOOST_TEST(find(m, "used").warning->end == 1e6);
  BOOST_TEST(find(m, "free").value == 1536.0);
  BOOST_TEST(find(m, "big").value == 2e12);
}

BOOST_AUTO_TEST_CASE(units_to_base_units) {
  auto o = parse_nagios_output(0, "OK | a=250ms b=3s c=1500us d=85%;80;90;0;100 e=1234c f=5GB g=7KB h=1B\n");
  BOOST_TEST(o.problems.empty());
  BOOST_TEST(find(o, "a").value == 0.25);
  BOOST_TEST((find(o, "a").unit == PerfUnit::seconds));
  BOOST_TEST(find(o, "b").value == 3.0);
  BOOST_TEST(std::abs(find(o, "c").value - 0.0015) < 1e-12);
  BOOST_TEST(find(o, "d").value == 0.85);
  BOOST_TEST((find(o, "d").unit == PerfUnit::ratio));
  BOOST_TEST(find(o, "d").warning->end == 0.8);
  BOOST_TEST(*find(o, "d").max == 1.0);
  BOOST_TEST((find(o, "e").unit == PerfUnit::counter));
  BOOST_TEST(find(o, "e").value == 1234.0);
  BOOST_TEST(find(o, "f").value == 5e9);
  BOOST_TEST(find(o, "g").value == 7e3);
  BOOST_TEST(find(o, "h").value == 1.0);
}

BOOST_AUTO_TEST_CASE(ranges) {
  const double inf = std::numeric_limits<double>::infinity();
  auto r = parse_nagios_range("10");
  BOOST_TEST((r && r->start == 0 && r->end == 10 && !r->inside));
  r = parse_nagios_range("10:");
  BOOST_TEST((r && r->start == 10 && r->end == inf));
  r = parse_nagios_range("~:10");
  BOOST_TEST((r && r->start == -inf && r->end == 10));
  r = parse_nagios_range("10:20");
  BOOST_TEST((r && r->start == 10 && r->end == 20));
  r = parse_nagios_range("@10:20");
  BOOST_TEST((r && r->inside && r->start == 10 && r->end == 20));
  BOOST_TEST(!parse_nagios_range("20:10"));
  BOOST_TEST(!parse_nagios_range("-5"));  // found by the fuzzer: [0, -5] is no range
  BOOST_TEST(!parse_nagios_range("abc"));
  BOOST_TEST(!parse_nagios_range(""));
  BOOST_TEST(!parse_nagios_range("1:2:3"));
}

BOOST_AUTO_TEST_CASE(quoted_labels) {
  auto o = parse_nagios_output(0, "OK | 'disk /var/lib'=5B 'it''s'=1 '=weird='=2\n");
  BOOST_TEST(o.problems.empty());
  BOOST_TEST(find(o, "disk /var/lib").value == 5.0);
  BOOST_TEST(find(o, "it's").value == 1.0);
  BOOST_TEST(find(o, "=weird=").value == 2.0);
}

BOOST_AUTO_TEST_CASE(multi_line_output) {
  // The Nagios plugin API's own example: perfdata on line 1, in the long text and after it.
  auto o = parse_nagios_output(0,
      "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\n"
      "/ 15272 MB (77%);\n"
      "/boot 68 MB (69%);\n"
      "/home 69357 MB (27%);\n"
      "/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n"
      "/home=69357MB;253404;253409;0;253414\n"
      "/var/log=818MB;970;975;0;980\n");
  BOOST_TEST(o.summary == "DISK OK - free space: / 3326 MB (56%);");
  BOOST_TEST(o.long_text == "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);");
  BOOST_REQUIRE_EQUAL(o.perfdata.size(), 4u);
  BOOST_TEST(find(o, "/home").value == 69357e6);
  BOOST_TEST(find(o, "/var/log").value == 818e6);
}

BOOST_AUTO_TEST_CASE(exit_codes_out_of_range_are_unknown_with_reason) {
  for (int code : {4, 5, 42, 127, 255}) {
    auto o = parse_nagios_output(code, "whatever\n");
    BOOST_TEST(o.status == 3);
    BOOST_TEST(o.reason.find(std::to_string(code)) != std::string::npos);
  }
  for (int code : {0, 1, 2, 3}) {
    auto o = parse_nagios_output(code, "x\n");
    BOOST_TEST(o.status == code);
    BOOST_TEST(o.reason.empty());
  }
}

BOOST_AUTO_TEST_CASE(bad_perfdata_is_reported_and_the_rest_kept) {
  auto o = parse_nagios_output(0, "OK | good=1 novalue= bad=abc u=U unit=5parsecs x=1;2;3;4;5;6 thr=1;zz ok2=2 'open=1\n");
  BOOST_TEST(find(o, "good").value == 1.0);
  BOOST_TEST(find(o, "ok2").value == 2.0);
  BOOST_TEST(find(o, "thr").value == 1.0);  // a bad threshold keeps the value
  BOOST_TEST(!find(o, "thr").warning);
  BOOST_TEST(o.problems.size() >= 6u);
  auto g = parse_nagios_output(0, std::string("\x01\xff|||=;;;\n|\n", 12));
  BOOST_TEST(g.status == 0);  // garbage never throws
  BOOST_TEST(parse_nagios_output(2, "").summary.empty());
}

// 1 MiB of perfdata (the exec output cap) once took the daemon from 5 MB to 128 MB: what one result
// keeps is bounded whatever its size.
BOOST_AUTO_TEST_CASE(perfdata_items_and_problems_are_bounded) {
  std::string out = "OK |";
  for (int i = 0; out.size() < (1u << 20); ++i)
    out += " m" + std::to_string(i) + "=1 bad" + std::to_string(i);
  const auto r = parse_nagios_output(0, out);
  BOOST_TEST(r.perfdata.size() == kMaxPerfdataItems);
  BOOST_TEST(r.perfdata.back().label == "m" + std::to_string(kMaxPerfdataItems - 1));
  BOOST_REQUIRE_EQUAL(r.problems.size(), kMaxPerfdataProblems + 1);
  BOOST_TEST(r.problems.back().find("more items or problems not kept") != std::string::npos);
}
