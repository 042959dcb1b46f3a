// The network collector: the route-table parsers on real /proc text, interface state, and the
// registered collector on fixture trees ("eth0 lost its cable, running on wlan0"). Gateway
// reachability against real peers is in tests/integration/test_network.sh.
#define BOOST_TEST_MODULE network
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

#include "collector_run.h"
#include "collectors/network/network_links.h"
#include "collectors/network/network_routes.h"
#include "core/file_io.h"
#include "core/parse.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace hawatch::test;
using network::Route;

namespace {

const fs::path kNetwork = fs::path(HAWATCH_FIXTURES) / "network";

std::string fixture(const std::string& rel) { return read_file(kNetwork / rel); }

Run collect_tree(const std::string& tree, const std::string& yaml = "") {
  ConfigContext ctx("test.yml");
  auto c = make_collector("network", fixture_tree(kNetwork / tree), yaml, ctx);
  BOOST_REQUIRE(ctx.ok());
  BOOST_REQUIRE(c != nullptr);
  return run_once(*c);
}

template <typename Parse>
std::string parse_error(Parse&& parse, std::string_view text) {
  try {
    parse(text, "route-file");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "accepted";
}

Labels iface(const std::string& name) { return {{"interface", name}}; }
Labels via(const std::string& gw, const std::string& name) { return {{"gateway", gw}, {"interface", name}}; }

std::vector<std::string> diagnostics(const std::string& yaml) {
  ConfigContext ctx("test.yml");
  make_collector("network", fixture_tree(kNetwork / "failover"), yaml, ctx);
  std::vector<std::string> out;
  for (const auto& d : ctx.diagnostics()) out.push_back(d.to_string());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ipv4_route_table) {
  const auto routes = network::parse_ipv4_routes(fixture("failover/proc/net/route"), "route");
  BOOST_REQUIRE(routes.size() == 3u);
  BOOST_TEST(routes[0].interface == "wlan0");
  BOOST_TEST(routes[0].destination == "0.0.0.0");
  BOOST_TEST(routes[0].prefix_length == 0);
  BOOST_TEST(routes[0].gateway == "192.168.1.1");
  BOOST_TEST(routes[0].metric == 303u);
  BOOST_TEST(network::is_default_route(routes[0]));
  BOOST_TEST(routes[1].destination == "192.168.1.0");
  BOOST_TEST(routes[1].prefix_length == 24);
  BOOST_TEST(routes[1].gateway == "");  // on-link
  BOOST_TEST(!network::is_default_route(routes[1]));
  BOOST_TEST(routes[2].destination == "10.8.0.0");
  BOOST_TEST(routes[2].prefix_length == 16);
}

BOOST_AUTO_TEST_CASE(ipv6_route_table_skips_lo_and_unreachable) {
  const auto routes = network::parse_ipv6_routes(fixture("failover/proc/net/ipv6_route"), "ipv6_route");
  BOOST_REQUIRE(routes.size() == 7u);
  BOOST_TEST(routes[0].destination == "::");
  BOOST_TEST(routes[0].gateway == "fe80::1");
  BOOST_TEST(routes[0].metric == 1024u);
  BOOST_TEST(routes[2].destination == "2001:db8:0:1::");
  BOOST_TEST(routes[2].prefix_length == 64);
  BOOST_TEST(routes[6].interface == "lo");
  std::size_t defaults = 0;
  for (const auto& r : routes) defaults += network::is_default_route(r) ? 1 : 0;
  BOOST_TEST(defaults == 2u);  // the RA default twice (two tables); not lo's unreachable default
}

BOOST_AUTO_TEST_CASE(route_parsers_reject_garbage_with_source_and_line) {
  BOOST_TEST(parse_error(network::parse_ipv4_routes, "") == "route-file: empty (no header line)");
  BOOST_TEST(parse_error(network::parse_ipv4_routes, "eth0 00000000\n") ==
             "route-file: line 1: not a /proc/net/route header");
  BOOST_TEST(parse_error(network::parse_ipv4_routes, "Iface x\neth0 00000000 0101A8C0\n") ==
             "route-file: line 2: expected 11 fields, got 3");
  BOOST_TEST(parse_error(network::parse_ipv4_routes,
                         "Iface x\neth0 00000000 0101A8C0 0003 0 0 -1 00000000 0 0 0\n") ==
             "route-file: line 2: bad route \"eth0 00000000 0101A8C0 0003 0 0 -1 00000000 0 0 0\"");
  BOOST_TEST(parse_error(network::parse_ipv6_routes, "0000 00 0000\n") ==
             "route-file: line 1: expected 10 fields, got 3");
  BOOST_TEST(parse_error(network::parse_ipv6_routes,
                         "0000000000000000000000000000000g 00 00000000000000000000000000000000 00 "
                         "00000000000000000000000000000000 00000400 00000001 00000000 00450003 eth0\n")
                 .find("route-file: line 1: bad route") == 0u);
  BOOST_TEST(parse_error(network::parse_ipv6_routes,
                         "00000000000000000000000000000000 81 00000000000000000000000000000000 00 "
                         "00000000000000000000000000000000 00000400 00000001 00000000 00450003 eth0\n")
                 .find("route-file: line 1: bad route") == 0u);  // prefix 129
  BOOST_TEST(parse_error(network::parse_ipv6_routes, "") == "accepted");  // no IPv6 routes at all
}

BOOST_AUTO_TEST_CASE(link_state_rules) {
  BOOST_TEST(network::link_is_up({"eth0", "up", true}));
  BOOST_TEST(!network::link_is_up({"eth0", "down", false}));
  BOOST_TEST(!network::link_is_up({"eth0", "lowerlayerdown", false}));
  BOOST_TEST(!network::link_is_up({"wlan0", "dormant", true}));
  BOOST_TEST(network::link_is_up({"tun0", "unknown", true}));
  BOOST_TEST(!network::link_is_up({"tun0", "unknown", std::nullopt}));
}

BOOST_AUTO_TEST_CASE(collector_eth0_down_running_on_wlan0) {
  const Run run = collect_tree("failover");
  BOOST_TEST(run.problems.empty(), run.all_problems());
  BOOST_TEST(run.value("hawatch_network_interface_up", iface("eth0")) == 0.0);
  BOOST_TEST(run.value("hawatch_network_interface_up", iface("eth1")) == 0.0);  // admin down: no carrier file
  BOOST_TEST(run.value("hawatch_network_interface_carrier", iface("eth1")) == 0.0);
  BOOST_TEST(run.value("hawatch_network_interface_up", iface("wlan0")) == 1.0);
  BOOST_TEST(run.value("hawatch_network_interface_up", iface("tun0")) == 1.0);
  BOOST_TEST(!run.has("hawatch_network_interface_up", iface("lo")));
  BOOST_TEST(run.series("hawatch_network_interface_up") == 4u);  // bonding_masters is not an interface

  BOOST_TEST(run.value("hawatch_network_default_route", via("192.168.1.1", "wlan0")) == 1.0);
  BOOST_TEST(run.value("hawatch_network_default_route_metric", via("192.168.1.1", "wlan0")) == 303.0);
  BOOST_TEST(run.value("hawatch_network_default_route", via("fe80::1", "wlan0")) == 1.0);
  BOOST_TEST(run.value("hawatch_network_default_route_metric", via("fe80::1", "wlan0")) == 100.0);
  BOOST_TEST(run.series("hawatch_network_default_route") == 2u);
  BOOST_TEST(run.value("hawatch_network_default_routes", {{"family", "ipv4"}}) == 1.0);
  BOOST_TEST(run.value("hawatch_network_default_routes", {{"family", "ipv6"}}) == 1.0);
  BOOST_TEST(!run.family("hawatch_network_gateway_reachable"));  // checks are opt-in
}

BOOST_AUTO_TEST_CASE(collector_interface_filters) {
  const Run only_wlan = collect_tree("failover", R"({ interface_include: "wlan.*" })");
  BOOST_TEST(only_wlan.series("hawatch_network_interface_up") == 1u);
  BOOST_TEST(only_wlan.value("hawatch_network_interface_up", iface("wlan0")) == 1.0);
  const Run no_wlan = collect_tree("failover", R"({ interface_exclude: "lo|wlan0" })");
  BOOST_TEST(!no_wlan.has("hawatch_network_interface_up", iface("wlan0")));
  BOOST_TEST(no_wlan.series("hawatch_network_default_route") == 0u);
  BOOST_TEST(no_wlan.value("hawatch_network_default_routes", {{"family", "ipv4"}}) == 0.0);
  // Replacing the default exclude brings lo back.
  const Run with_lo = collect_tree("failover", R"({ interface_exclude: "tun.*" })");
  BOOST_TEST(with_lo.value("hawatch_network_interface_up", iface("lo")) == 1.0);
  BOOST_TEST(!with_lo.has("hawatch_network_interface_up", iface("tun0")));
}

BOOST_AUTO_TEST_CASE(collector_broken_tree_reports_and_keeps_the_rest) {
  const Run run = collect_tree("broken");
  BOOST_TEST(run.problem_mentions("eth0/operstate"), run.all_problems());
  BOOST_TEST(run.problem_mentions("proc/net/route: line 2: bad route"), run.all_problems());
  BOOST_TEST(run.problems.size() == 2u, run.all_problems());  // no ipv6_route: IPv6 off, not an error
  BOOST_TEST(run.value("hawatch_network_interface_up", iface("wlan0")) == 1.0);
  BOOST_TEST(!run.has("hawatch_network_default_routes", {{"family", "ipv4"}}));
  BOOST_TEST(!run.has("hawatch_network_default_routes", {{"family", "ipv6"}}));
}

BOOST_AUTO_TEST_CASE(option_errors_have_positions) {
  BOOST_TEST(diagnostics("{ check_gateways: maybe }").size() == 1u);
  const auto bad_regex = diagnostics("{ interface_include: \"(eth\" }");
  BOOST_REQUIRE(bad_regex.size() == 1u);
  BOOST_TEST(bad_regex[0].find("test.yml:1:22: \"collectors.network.interface_include\": invalid regular expression") == 0u,
             bad_regex[0]);
  const auto bad_target = diagnostics("{ targets: [\"a b\"] }");
  BOOST_REQUIRE(bad_target.size() == 1u);
  BOOST_TEST(bad_target[0].find("\"collectors.network.targets\": bad host \"a b\"") != std::string::npos, bad_target[0]);
  BOOST_TEST(diagnostics("{ ping_timeout: 0s }").size() == 1u);
  BOOST_TEST(diagnostics("{ pingtimeout: 1s }").size() == 1u);
  BOOST_TEST(diagnostics("{ check_gateways: true, targets: [10.0.0.1, \"::1\", gw.example], ping_timeout: 500ms }").empty());
}
