// The status page's Raspberry Pi section, from the exposition text a scrape would get.
#define BOOST_TEST_MODULE status_page
#include "http/status_page.h"

#include <boost/test/unit_test.hpp>

#include "contains.h"
#include "core/utf8.h"

using hawatch::render_pi_section;
using hawatch::test::contains;

BOOST_AUTO_TEST_CASE(pi_and_hailo_figures_with_bad_ones_marked) {
  const std::string metrics =
      "# HELP hawatch_node_load1 x\n# TYPE hawatch_node_load1 gauge\nhawatch_node_load1 0.5\n"
      "# HELP hawatch_pi_undervoltage_now x\n# TYPE hawatch_pi_undervoltage_now gauge\n"
      "hawatch_pi_undervoltage_now 0\n"
      "# HELP hawatch_pi_filesystem_readonly x\n# TYPE hawatch_pi_filesystem_readonly gauge\n"
      "hawatch_pi_filesystem_readonly{mountpoint=\"/var/lib/amslpr\"} 1\n"
      "# HELP hawatch_hailo_device_present x\n# TYPE hawatch_hailo_device_present gauge\n"
      "hawatch_hailo_device_present{device=\"/dev/hailo0\"} 0\n";
  const std::string html = render_pi_section(metrics);
  BOOST_TEST(contains(html, "<h2>Raspberry Pi</h2>"));
  BOOST_TEST(!contains(html, "hawatch_node_load1"));
  BOOST_TEST(
      contains(html, "<tr class=\"ok\"><td>hawatch_pi_undervoltage_now</td><td></td><td>0</td>"));
  BOOST_TEST(contains(html,
                      "<tr class=\"failing\"><td>hawatch_pi_filesystem_readonly</td>"
                      "<td>mountpoint=/var/lib/amslpr</td><td>1</td>"));
  BOOST_TEST(contains(html, "<tr class=\"failing\"><td>hawatch_hailo_device_present</td>"));
}

BOOST_AUTO_TEST_CASE(nothing_without_pi_or_hailo_series) {
  BOOST_TEST(render_pi_section("# TYPE x gauge\nx 1\n").empty());
  BOOST_TEST(render_pi_section("").empty());
}

BOOST_AUTO_TEST_CASE(label_values_are_escaped) {
  const std::string html = render_pi_section(
      "# TYPE hawatch_pi_model_info gauge\nhawatch_pi_model_info{model=\"<script>x</script>\"} "
      "1\n");
  BOOST_TEST(!contains(html, "<script>"));
  BOOST_TEST(contains(html, "&lt;script&gt;"));
}

// A collector's error may quote a hostile peer's reply: the page stays valid UTF-8, control
// characters do not reach it, markup is escaped and URL credentials are redacted.
BOOST_AUTO_TEST_CASE(collector_errors_quoting_peer_bytes_stay_printable) {
  hawatch::StatusPageInput in;
  in.node_name = "n";
  in.telemetry_path = "/metrics";
  hawatch::CollectorStatus s;
  s.collector = "nut/ups";
  s.reported = true;
  const char raw[] = "upsd reply: \"\xff\xfe\x00\x07\x1b[2J<b>\" from http://u:pw@h/x?t=1";
  s.error = std::string(raw, sizeof raw - 1);
  in.collectors.push_back(s);
  const std::string html = hawatch::render_status_page(in);
  BOOST_TEST(hawatch::valid_utf8(html));
  BOOST_TEST(html.find('\x1b') == std::string::npos);
  BOOST_TEST(html.find(std::string(1, '\0')) == std::string::npos);
  BOOST_TEST(contains(html, "&lt;b&gt;"));
  BOOST_TEST(!contains(html, "pw@"));
}
