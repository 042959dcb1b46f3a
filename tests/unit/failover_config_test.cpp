// The `failover:` section: a full group read with its defaults, and every mistake reported at
// its FILE:LINE:COL (unknown probe, bad addresses, both or no health source, duplicates, a record
// outside its zone, unknown keys), all of them in one pass.
#define BOOST_TEST_MODULE failover_config
#include <boost/test/unit_test.hpp>

#include "contains.h"
#include "fake_dns_updater.h"
#include "group_config.h"

using namespace hawatch;
using namespace hawatch::alerting::failover;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace {
// Stands in for the hooks' reader: accepts { fake: {} }, reports anything else.
std::unique_ptr<DnsUpdater> fake_reader(const YAML::Node& update, ConfigContext& ctx,
                                        const std::string& where) {
  if (!update.IsMap() || !update["fake"]) {
    ctx.error(update, where + ": needs one of rfc2136, powerdns, exec");
    return nullptr;
  }
  return std::make_unique<test::FakeDnsUpdater>(std::vector<std::string>{});
}

std::vector<GroupConfig> read(const std::string& yaml, std::string& errors) {
  ConfigContext ctx("test.yml");
  const auto root = parse_yaml(yaml, ctx);
  auto groups = read_failover_config(root["failover"], ctx, {"app", "db"}, fake_reader);
  for (const auto& d : ctx.diagnostics()) errors += d.to_string() + "\n";
  return groups;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_full_group_and_the_defaults) {
  std::string errors;
  const auto groups = read(R"(
failover:
  - name: amslpr
    record: { zone: example.test, name: amslpr.example.test, type: A, ttl: 30 }
    primary: 192.0.2.10
    backup: 192.0.2.20
    health: { probe: app }
    fail_after: 3
    failback: { mode: auto, after: 10, hold: 60s }
    min_hold: 45s
    dry_run: true
    update: { fake: {} }
  - name: db
    record: { zone: example.test, name: db.example.test, type: AAAA }
    primary: "2001:db8::1"
    backup: "2001:db8::2"
    health: { alert: PostgresDown }
    update: { fake: {} }
)",
                           errors);
  BOOST_TEST(errors == "");
  BOOST_REQUIRE(groups.size() == 2u);
  const auto& g = groups[0];
  BOOST_TEST(g.name == "amslpr");
  BOOST_TEST(g.record.name == "amslpr.example.test");
  BOOST_TEST(g.record.ttl == 30u);
  BOOST_TEST(g.fail_after == 3);
  BOOST_TEST((g.failback_mode == FailbackMode::automatic));
  BOOST_TEST(g.failback_after == 10);
  BOOST_TEST((g.failback_hold == 60s));
  BOOST_TEST((g.min_hold == 45s));
  BOOST_TEST(g.dry_run);
  BOOST_TEST(g.updater != nullptr);
  const auto& d = groups[1];
  BOOST_TEST((d.health.kind == HealthSource::Kind::alert));
  BOOST_TEST(d.health.name == "PostgresDown");
  BOOST_TEST((d.failback_mode == FailbackMode::manual));
  BOOST_TEST(d.fail_after == 3);
  BOOST_TEST((d.min_hold == 30s));
  BOOST_TEST(!d.dry_run);
}

BOOST_AUTO_TEST_CASE(every_mistake_at_its_position) {
  std::string errors;
  const auto groups = read(R"(failover:
  - name: a
    record: { zone: example.test, name: a.other.test }
    primary: 192.0.2.300
    backup: 192.0.2.20
    health: { probe: nosuch }
    update: { fake: {} }
  - name: b
    record: { zone: example.test, name: b.example.test }
    primary: 192.0.2.10
    backup: 192.0.2.10
    health: { probe: app, alert: X }
    failback: { mode: sometimes }
    fail_after: 0
    colour: blue
    update: { rfc2137: {} }
  - name: "../etc"
    primary: 192.0.2.10
    backup: 192.0.2.11
  - name: c
    record: { zone: example.test, name: c.example.test }
    primary: 192.0.2.10
    backup: 192.0.2.11
    health: { probe: app }
    update: { fake: {} }
  - name: c
    record: { zone: example.test, name: c2.example.test }
    primary: 192.0.2.10
    backup: 192.0.2.11
    health: { probe: app }
    update: { fake: {} }
)",
                           errors);
  BOOST_TEST(groups.size() == 1u);  // only the first "c"
  BOOST_TEST(
      contains(errors, "test.yml:3:41: failover.a.record.name \"a.other.test\" is not in zone"));
  BOOST_TEST(
      contains(errors, "test.yml:4:14: failover.a.primary \"192.0.2.300\" is not a valid A"));
  BOOST_TEST(contains(
      errors,
      "test.yml:6:22: failover.a.health.probe \"nosuch\" is not a probe under collectors.probes"));
  BOOST_TEST(contains(errors, "test.yml:11:13: failover.b: primary and backup must differ"));
  BOOST_TEST(contains(errors, "test.yml:12:13: failover.b.health needs exactly one of"));
  BOOST_TEST(contains(errors, "test.yml:13:23: \"failover.b.failback.mode\""));
  BOOST_TEST(
      contains(errors, "test.yml:14:17: \"failover.b.fail_after\" must be between 1 and 100000"));
  BOOST_TEST(contains(errors, "test.yml:15:5: unknown key \"failover.b.colour\""));
  BOOST_TEST(contains(errors, "test.yml:16:13: failover.b.update: needs one of rfc2136"));
  BOOST_TEST(contains(errors, "test.yml:17:11: failover[2].name must be 1 to 64 of"));
  BOOST_TEST(contains(errors, "test.yml:17:5: failover[2]: \"record\" is required"));
  BOOST_TEST(contains(errors, "test.yml:17:5: failover[2]: \"update\" is required"));
  BOOST_TEST(!contains(errors, "unknown key \"failover.b.health"));
  BOOST_TEST(contains(errors, "test.yml:26:11: failover: duplicate group name \"c\""));
}

BOOST_AUTO_TEST_CASE(the_section_must_be_a_list) {
  std::string errors;
  BOOST_TEST(read("failover: { name: a }\n", errors).empty());
  BOOST_TEST(contains(errors, "test.yml:1:11: \"failover\" must be a list of groups"));
  errors.clear();
  BOOST_TEST(read("failover:\n", errors).empty());
  BOOST_TEST(errors == "");
}

BOOST_AUTO_TEST_CASE(probe_names_of_the_probes_section) {
  ConfigContext ctx("t");
  const auto probes = parse_yaml("- { name: app, http: {} }\n- { name: db }\n- 3\n", ctx);
  BOOST_TEST((probe_names(probes) == std::set<std::string>{"app", "db"}));
}
