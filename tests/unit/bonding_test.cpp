// The bonding collector: the /proc/net/bonding parser on real kernel output, the sysfs value
// parsers, and the registered collector run on fixture trees (several bonds, active-backup and
// 802.3ad, a slave down, an empty bond, both sysfs layouts, truncated files, no bonding at all).
#define BOOST_TEST_MODULE bonding
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <string>

#include "collector_run.h"
#include "collectors/bonding/bonding_proc.h"
#include "collectors/bonding/bonding_sysfs.h"
#include "core/file_io.h"
#include "core/parse.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace hawatch::test;

namespace {

const fs::path kBonding = fs::path(HAWATCH_FIXTURES) / "bonding";

bonding::ProcBond parse_fixture(const std::string& tree, const std::string& bond) {
  const auto path = kBonding / tree / "proc/net/bonding" / bond;
  return bonding::parse_proc_bonding(read_file(path), path.string());
}

Run collect_tree(const std::string& tree) {
  ConfigContext ctx("test.yml");
  auto c = make_collector("bonding", fixture_tree(kBonding / tree), "", ctx);
  BOOST_REQUIRE(ctx.ok());
  BOOST_REQUIRE(c != nullptr);
  return run_once(*c);
}

Labels bond(const std::string& b) { return {{"bond", b}}; }
Labels slave(const std::string& b, const std::string& s) { return {{"bond", b}, {"slave", s}}; }

std::string parse_error(std::string_view text) {
  try {
    bonding::parse_proc_bonding(text, "/proc/net/bonding/bond9");
  } catch (const ParseError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proc_parser)

BOOST_AUTO_TEST_CASE(active_backup_with_a_slave_down) {
  const auto b = parse_fixture("multi", "bond0");
  BOOST_TEST(b.mode == "fault-tolerance (active-backup)");
  BOOST_TEST(bonding::mode_short_name(b.mode) == "active-backup");
  BOOST_TEST(b.active_slave.value() == "eth0");
  BOOST_TEST(b.mii_up.value());
  BOOST_TEST(b.mii_polling_ms.value() == 100);
  BOOST_TEST(b.up_delay_ms.value() == 200);
  BOOST_TEST(b.down_delay_ms.value() == 0);
  BOOST_TEST(!b.aggregator.has_value());
  BOOST_REQUIRE(b.slaves.size() == 2u);
  const auto& eth0 = b.slaves[0];
  BOOST_TEST(eth0.name == "eth0");
  BOOST_TEST(eth0.mii_up.value());
  BOOST_TEST(eth0.speed_mbps.value() == 1000.0);
  BOOST_TEST(eth0.full_duplex.value());
  BOOST_TEST(eth0.link_failures.value() == 0u);
  BOOST_TEST(eth0.permanent_hw_addr == "dc:a6:32:01:02:03");
  const auto& eth1 = b.slaves[1];
  BOOST_TEST(eth1.name == "eth1");
  BOOST_TEST(!eth1.mii_up.value());
  BOOST_TEST(!eth1.speed_mbps.has_value());   // "Speed: Unknown"
  BOOST_TEST(!eth1.full_duplex.has_value());  // "Duplex: Unknown"
  BOOST_TEST(eth1.link_failures.value() == 3u);
}

BOOST_AUTO_TEST_CASE(lacp_aggregator_info_and_pdu_details) {
  const auto b = parse_fixture("multi", "bond1");
  BOOST_TEST(bonding::mode_short_name(b.mode) == "802.3ad");
  BOOST_TEST(!b.active_slave.has_value());  // 802.3ad prints no active slave
  BOOST_TEST(b.lacp_rate.value() == "fast");
  BOOST_REQUIRE(b.aggregator.has_value());
  BOOST_TEST(b.aggregator->id.value() == 1);
  BOOST_TEST(b.aggregator->ports.value() == 1);
  BOOST_TEST(b.aggregator->actor_key.value() == 9);
  BOOST_TEST(b.aggregator->partner_key.value() == 1001);
  BOOST_TEST(b.aggregator->partner_mac == "00:1b:21:aa:bb:cc");
  BOOST_REQUIRE(b.slaves.size() == 2u);
  BOOST_TEST(b.slaves[0].aggregator_id.value() == 1);
  BOOST_TEST(b.slaves[1].aggregator_id.value() == 2);
  BOOST_TEST(b.slaves[1].speed_mbps.value() == 100.0);
  BOOST_TEST(!b.slaves[1].full_duplex.value());
  BOOST_TEST(b.slaves[1].link_failures.value() == 1u);
  // The indented "details partner lacp pdu" lines must not overwrite the slave's own fields.
  BOOST_TEST(b.slaves[1].permanent_hw_addr == "00:e0:4c:68:00:03");
}

BOOST_AUTO_TEST_CASE(empty_bond_and_old_kernel) {
  const auto empty = parse_fixture("multi", "bond2");
  BOOST_TEST(bonding::mode_short_name(empty.mode) == "balance-rr");
  BOOST_TEST(empty.slaves.empty());
  BOOST_TEST(!empty.mii_up.value());

  const auto old = parse_fixture("old-kernel", "bond0");
  BOOST_TEST(old.active_slave.value() == "eth1");
  BOOST_REQUIRE(old.slaves.size() == 2u);
  BOOST_TEST(old.slaves[0].link_failures.value() == 7u);
  BOOST_TEST(old.slaves[1].speed_mbps.value() == 100.0);
}

BOOST_AUTO_TEST_CASE(truncated_reads_keep_what_was_there) {
  const auto b = parse_fixture("truncated", "bond0");
  BOOST_REQUIRE(b.slaves.size() == 2u);
  BOOST_TEST(b.slaves[0].mii_up.value());
  BOOST_TEST(b.slaves[1].name == "eth1");
  BOOST_TEST(!b.slaves[1].mii_up.has_value());  // cut off at "MII Stat"
  BOOST_TEST(parse_error("Ethernet Channel Bonding Driver: v6.1.0\n").find("no \"Bonding Mode\" line") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(garbage_is_a_parse_error_naming_file_and_line) {
  BOOST_TEST(parse_error("") == "/proc/net/bonding/bond9: not a bonding status file (no \"Bonding Mode\" line)");
  BOOST_TEST(parse_error("Bonding Mode: x\nMII Polling Interval (ms): lots\n") ==
             "/proc/net/bonding/bond9: line 2: bad \"MII Polling Interval (ms)\" value \"lots\"");
  BOOST_TEST(parse_error("Bonding Mode: x\n\nSlave Interface: eth0\nSpeed: fast\n") ==
             "/proc/net/bonding/bond9: line 4: bad \"Speed\" value \"fast\"");
  BOOST_TEST(parse_error("Bonding Mode: x\nSlave Interface: eth0\nMII Status: sideways\n") ==
             "/proc/net/bonding/bond9: line 3: bad \"MII Status\" value \"sideways\"");
  BOOST_TEST(parse_error("Bonding Mode: x\nSlave Interface: eth0\nLink Failure Count: -1\n") ==
             "/proc/net/bonding/bond9: line 3: bad \"Link Failure Count\" value \"-1\"");
  BOOST_TEST(parse_error("Bonding Mode: x\nSlave Interface:\n") ==
             "/proc/net/bonding/bond9: line 2: empty slave name");
  BOOST_TEST(parse_error(std::string("Bonding Mode: x\n\0\xff:\xfe\n", 21)) == "accepted");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(sysfs_value_parsers) {
  BOOST_TEST(bonding::parse_mode("active-backup 1\n", "mode") == "active-backup");
  BOOST_TEST(bonding::parse_mode("802.3ad 4", "mode") == "802.3ad");
  BOOST_CHECK_THROW(bonding::parse_mode("\n", "mode"), ParseError);
  BOOST_TEST(bonding::parse_link_status("up\n", "s"));
  BOOST_TEST(!bonding::parse_link_status("going back\n", "s"));
  BOOST_CHECK_THROW(bonding::parse_link_status("", "s"), ParseError);
  const auto names = bonding::parse_name_list("eth0 eth1\n");
  BOOST_TEST((names == std::vector<std::string>{"eth0", "eth1"}));
  BOOST_TEST(bonding::parse_name_list("\n").empty());
}

BOOST_AUTO_TEST_CASE(collector_several_bonds) {
  const Run run = collect_tree("multi");
  BOOST_TEST(run.problems.empty(), run.all_problems());
  BOOST_TEST(run.value("hawatch_bonds") == 3.0);

  // bond0: active-backup, eth0 active, eth1 down with 3 link failures.
  BOOST_TEST(run.value("hawatch_bond_info", {{"bond", "bond0"}, {"mode", "active-backup"}}) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_up", bond("bond0")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_slaves", bond("bond0")) == 2.0);
  BOOST_TEST(run.value("hawatch_bond_active_slaves", bond("bond0")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_slave_up", slave("bond0", "eth0")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_slave_up", slave("bond0", "eth1")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_active_slave", slave("bond0", "eth0")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_active_slave", slave("bond0", "eth1")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_slave_link_failures_total", slave("bond0", "eth1")) == 3.0);
  BOOST_TEST(run.value("hawatch_bond_slave_link_failures_total", slave("bond0", "eth0")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_mii_polling_interval_seconds", bond("bond0")) == 0.1);
  BOOST_TEST(run.value("hawatch_bond_up_delay_seconds", bond("bond0")) == 0.2);
  BOOST_TEST(run.value("hawatch_bond_slave_speed_bytes", slave("bond0", "eth0")) == 125e6);
  BOOST_TEST(!run.has("hawatch_bond_slave_speed_bytes", slave("bond0", "eth1")));  // Unknown
  BOOST_TEST(run.value("hawatch_bond_slave_full_duplex", slave("bond0", "eth0")) == 1.0);

  // bond1: 802.3ad; eth3 is up but fell out of the active aggregator (no LACP agreement).
  BOOST_TEST(run.value("hawatch_bond_info", {{"bond", "bond1"}, {"mode", "802.3ad"}}) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_active_slaves", bond("bond1")) == 2.0);
  BOOST_TEST(run.value("hawatch_bond_active_slave", slave("bond1", "eth2")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_active_slave", slave("bond1", "eth3")) == 0.0);  // state backup
  BOOST_TEST(run.value("hawatch_bond_ad_aggregator_id", bond("bond1")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_ad_ports", bond("bond1")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_ad_partner_present", bond("bond1")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_slave_in_active_aggregator", slave("bond1", "eth2")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_slave_in_active_aggregator", slave("bond1", "eth3")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_slave_full_duplex", slave("bond1", "eth3")) == 0.0);
  BOOST_TEST(!run.has("hawatch_bond_ad_aggregator_id", bond("bond0")));

  // bond2: an empty bond still has its counts, at 0, and is down.
  BOOST_TEST(run.value("hawatch_bond_slaves", bond("bond2")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_active_slaves", bond("bond2")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_up", bond("bond2")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_mii_polling_interval_seconds", bond("bond2")) == 0.0);
  BOOST_TEST(run.series("hawatch_bond_slave_up") == 4u);
}

BOOST_AUTO_TEST_CASE(collector_old_slave_layout_filled_in_from_proc) {
  const Run run = collect_tree("old-kernel");
  BOOST_TEST(run.problems.empty(), run.all_problems());
  BOOST_TEST(run.value("hawatch_bond_slave_up", slave("bond0", "eth0")) == 0.0);
  BOOST_TEST(run.value("hawatch_bond_slave_up", slave("bond0", "eth1")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_active_slave", slave("bond0", "eth1")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_active_slave", slave("bond0", "eth0")) == 0.0);
  // This kernel's sysfs has no link_failure_count: the count comes from /proc.
  BOOST_TEST(run.value("hawatch_bond_slave_link_failures_total", slave("bond0", "eth0")) == 7.0);
  BOOST_TEST(run.value("hawatch_bond_slave_link_failures_total", slave("bond0", "eth1")) == 2.0);
  BOOST_TEST(run.value("hawatch_bond_active_slaves", bond("bond0")) == 1.0);
}

BOOST_AUTO_TEST_CASE(collector_truncated_files_are_problems_not_crashes) {
  const Run run = collect_tree("truncated");
  // bond0/eth1: empty mii_status in sysfs and cut off in /proc -> unknown, reported, no guess.
  BOOST_TEST(run.problem_mentions("bond0/lower_eth1/bonding_slave/mii_status: bad MII status \"\""),
             run.all_problems());
  BOOST_TEST(!run.has("hawatch_bond_slave_up", slave("bond0", "eth1")));
  BOOST_TEST(run.value("hawatch_bond_slave_up", slave("bond0", "eth0")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_slaves", bond("bond0")) == 2.0);
  // bond1: /proc cut after its first line; eth3 listed but its directory is gone.
  BOOST_TEST(run.problem_mentions("proc/net/bonding/bond1: not a bonding status file"), run.all_problems());
  BOOST_TEST(run.problem_mentions("no lower_eth3/bonding_slave or slave_eth3/bonding_slave directory"),
             run.all_problems());
  BOOST_TEST(run.value("hawatch_bond_slave_up", slave("bond1", "eth2")) == 1.0);
  BOOST_TEST(run.value("hawatch_bond_active_slave", slave("bond1", "eth2")) == 1.0);
  BOOST_TEST(run.problems.size() == 3u, run.all_problems());
}

BOOST_AUTO_TEST_CASE(no_bonding_driver) {
  const CollectorDescriptor* d = CollectorRegistry::find("bonding");
  BOOST_REQUIRE(d != nullptr);
  BOOST_TEST((d->default_enablement == Enablement::automatic));
  BOOST_TEST(!d->source_exists(fixture_tree(kBonding / "none")));
  BOOST_TEST(d->source_exists(fixture_tree(kBonding / "multi")));
  // Forced on anyway: the run fails with the missing file named.
  ConfigContext ctx("test.yml");
  auto c = make_collector("bonding", fixture_tree(kBonding / "none"), "", ctx);
  BOOST_REQUIRE(c != nullptr);
  try {
    run_once(*c);
    BOOST_FAIL("a run without bonding_masters succeeded");
  } catch (const IoError& e) {
    BOOST_TEST(std::string(e.what()).find("class/net/bonding_masters") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(unknown_option_is_rejected_with_position) {
  ConfigContext ctx("test.yml");
  make_collector("bonding", fixture_tree(kBonding / "multi"), "{ bonds: [bond0] }", ctx);
  BOOST_REQUIRE(ctx.diagnostics().size() == 1u);
  BOOST_TEST(ctx.diagnostics()[0].to_string().find("test.yml:1:3") == 0u, ctx.diagnostics()[0].to_string());
  BOOST_TEST(ctx.diagnostics()[0].message.find("bonds") != std::string::npos);
}
