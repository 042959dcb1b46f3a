// The status page's Raspberry Pi section, from the exposition text a scrape would get.
#define BOOST_TEST_MODULE status_page
#include "http/status_page.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>

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

// ---- Subsystems, role and sparklines ----

namespace {

using namespace std::chrono_literals;
using hawatch::CollectorStatus;
using hawatch::Health;

CollectorStatus ran(std::string name, bool success = true, std::string error = "") {
  CollectorStatus c;
  c.collector = std::move(name);
  c.reported = true;
  c.success = success;
  c.error = std::move(error);
  c.last_success = std::chrono::system_clock::now() - 5s;
  return c;
}

const hawatch::SubsystemState* find(const std::vector<hawatch::SubsystemState>& all,
                                    const std::string& id) {
  for (const auto& s : all)
    if (s.id == id) return &s;
  return nullptr;
}

hawatch::plugins::PromText text(const std::string& t) {
  return hawatch::plugins::parse_prometheus_text(t);
}

}  // namespace

BOOST_AUTO_TEST_CASE(subsystems_follow_their_collectors_and_values) {
  const auto exposition = text(
      "# TYPE hawatch_probe_failure gauge\n"
      "hawatch_probe_failure{probe=\"app\",reason=\"http_status\"} 0\n"
      "hawatch_probe_failure{probe=\"app\",reason=\"timeout\"} 1\n"
      "hawatch_probe_failure{probe=\"peer\",reason=\"timeout\"} 0\n"
      "# TYPE hawatch_ups_status gauge\nhawatch_ups_status{ups=\"ups1\",flag=\"OB\"} 1\n"
      "hawatch_ups_status{ups=\"ups1\",flag=\"OL\"} 0\n"
      "# TYPE hawatch_systemd_unit_state gauge\n"
      "hawatch_systemd_unit_state{unit=\"amslpr.service\",state=\"failed\"} 0\n"
      "hawatch_systemd_unit_state{unit=\"amslpr.service\",state=\"active\"} 1\n");
  const auto all =
      hawatch::assess_subsystems({ran("node"), ran("probes/app"), ran("nut/ups1"), ran("systemd"),
                                  ran("postgres/db", false, "timeout"), ran("exec/check_load")},
                                 exposition);
  BOOST_REQUIRE(find(all, "probes") && find(all, "power") && find(all, "services"));
  BOOST_TEST((find(all, "probes")->health == Health::bad));
  BOOST_TEST(find(all, "probes")->reasons.at(0) == "probe app failing: timeout");
  BOOST_TEST(find(all, "probes")->reasons.size() == 1u);
  BOOST_TEST((find(all, "power")->health == Health::warn));
  BOOST_TEST(find(all, "power")->reasons.at(0) == "ups1 on battery");
  BOOST_TEST((find(all, "services")->health == Health::ok));
  BOOST_TEST((find(all, "replication")->health == Health::bad));
  BOOST_TEST(find(all, "replication")->reasons.at(0) == "postgres/db: failing (timeout)");
  // Collectors no other row names are plugins and checks; subsystems without one are left out.
  BOOST_TEST((find(all, "plugins")->collectors == std::vector<std::string>{"exec/check_load"}));
  BOOST_TEST(find(all, "vrrp") == nullptr);
  BOOST_TEST(find(all, "node")->data_from.has_value());
}

BOOST_AUTO_TEST_CASE(reasons_are_bounded_with_the_worst_first) {
  std::string t = "# TYPE hawatch_bond_slave_up gauge\n";
  for (int i = 0; i < 50; ++i)
    t += "hawatch_bond_slave_up{bond=\"bond0\",slave=\"eth" + std::to_string(i) + "\"} 0\n";
  t += "# TYPE hawatch_bond_active_slaves gauge\nhawatch_bond_active_slaves{bond=\"bond0\"} 0\n";
  const auto all = hawatch::assess_subsystems({ran("bonding")}, text(t));
  const auto* net = find(all, "network");
  BOOST_REQUIRE(net);
  BOOST_TEST((net->health == Health::bad));
  BOOST_TEST(net->reasons.size() == 4u);
  BOOST_TEST(net->reasons.at(0) == "bond0 has no active slave");
  BOOST_TEST(net->more_reasons == 47u);
}

BOOST_AUTO_TEST_CASE(role_from_vrrp_and_failover) {
  BOOST_TEST(hawatch::node_role(text("")) == "standalone");
  BOOST_TEST(hawatch::node_role(text("# TYPE hawatch_vrrp_state gauge\n"
                                     "hawatch_vrrp_state{instance=\"VI_1\"} 2\n")) ==
             "primary (VRRP master of VI_1)");
  BOOST_TEST(hawatch::node_role(text("# TYPE hawatch_vrrp_state gauge\n"
                                     "hawatch_vrrp_state{instance=\"VI_1\"} 1\n"
                                     "# TYPE hawatch_failover_state gauge\n"
                                     "hawatch_failover_state{group=\"amslpr\"} 1\n")) ==
             "backup (VRRP backup of VI_1); failed over: amslpr");
}

BOOST_AUTO_TEST_CASE(page_marks_each_subsystem_for_people_and_scripts) {
  hawatch::StatusPageInput in;
  in.node_name = "pi-a";
  in.telemetry_path = "/metrics";
  in.collectors = {ran("probes")};
  in.subsystems = hawatch::assess_subsystems(
      in.collectors, text("# TYPE hawatch_probe_failure gauge\n"
                          "hawatch_probe_failure{probe=\"<img src=x>\",reason=\"<b>\"} 1\n"));
  in.role = "standalone";
  const std::string html = hawatch::render_status_page(in);
  BOOST_TEST(contains(html, "data-subsystem=\"probes\" data-state=\"bad\""));
  BOOST_TEST(contains(html, "probe &lt;img src=x&gt; failing: &lt;b&gt;"));
  BOOST_TEST(!contains(html, "<img"));
  BOOST_TEST(contains(html, "<p class=\"summary bad\" data-state=\"bad\">"));
  BOOST_TEST(contains(html, "<meta http-equiv=\"refresh\" content=\"30\">"));
}

BOOST_AUTO_TEST_CASE(history_keeps_an_hour_of_bounded_series) {
  hawatch::StatusHistory history(1h, 120, 3);
  const auto t0 = std::chrono::system_clock::now();
  for (int i = 0; i < 200; ++i) {
    history.sample(text("# TYPE hawatch_node_load1 gauge\nhawatch_node_load1 " + std::to_string(i) +
                        "\n# TYPE hawatch_ups_battery_charge_ratio gauge\n"
                        "hawatch_ups_battery_charge_ratio{ups=\"a\"} 0.5\n"
                        "hawatch_ups_battery_charge_ratio{ups=\"b\"} 0.5\n"
                        "hawatch_ups_battery_charge_ratio{ups=\"c\"} 0.5\n"),
                   t0 + i * 30s);
  }
  const auto lines = history.sparklines();
  BOOST_TEST(lines.size() == 3u);  // the fourth series is refused: at most 3
  const auto load = std::find_if(lines.begin(), lines.end(),
                                 [](const auto& l) { return l.title == "Load (1 min)"; });
  BOOST_REQUIRE(load != lines.end());
  BOOST_TEST(load->points.size() == 120u);  // 200 samples, 100 min: the last hour only
  BOOST_TEST(load->points.back().second == 199);
  const std::string svg = hawatch::render_sparkline(*load);
  BOOST_TEST(contains(svg, "<svg class=\"sparkline\""));
  BOOST_TEST(contains(svg, "<b>199</b>"));
  // A series not seen for an hour drops out.
  history.sample(text(""), t0 + 200 * 30s + 2h);
  BOOST_TEST(history.sparklines().empty());
}
