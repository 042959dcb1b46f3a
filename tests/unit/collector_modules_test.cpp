// The table of collectors that live in modules (core/collector_modules.h) against the collectors
// themselves: this test links every collector in, so each table entry must name a registered
// collector, and the table's cheap "source exists" checks must agree with the collectors' own.
// Loading real modules is tested on the built daemon in tests/integration/test_modules.sh.
#define BOOST_TEST_MODULE collector_modules
#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "core/collector.h"
#include "core/collector_modules.h"
#include "temp_dir.h"

using namespace hawatch;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(every_table_entry_names_a_registered_collector) {
  BOOST_TEST(module_collectors().size() >= 9u);
  for (const auto& mc : module_collectors()) {
    BOOST_TEST_CONTEXT(mc.collector) {
      const CollectorDescriptor* d = CollectorRegistry::find(mc.collector);
      BOOST_REQUIRE(d != nullptr);
      BOOST_TEST(!mc.module.empty());
      // A cheap check is for collectors enabled automatically; one anywhere else would be unused.
      if (mc.source_exists) BOOST_TEST((d->default_enablement == Enablement::automatic));
      BOOST_TEST(find_module_collector(mc.collector) == &mc);
    }
  }
  BOOST_TEST(find_module_collector("node") == nullptr);
  BOOST_TEST(find_module_collector("network") == nullptr);
  BOOST_TEST(find_module_collector("bonding") == nullptr);
}

BOOST_AUTO_TEST_CASE(collectors_enabled_only_by_config_never_report_a_source) {
  // A module collector without a cheap check must also say "no source" once loaded: otherwise
  // `auto` would turn it on in a process that loaded it but not in one that did not.
  const Environment env;
  for (const auto& mc : module_collectors()) {
    const CollectorDescriptor* d = CollectorRegistry::find(mc.collector);
    if (mc.source_exists || d->default_enablement != Enablement::automatic) continue;
    BOOST_TEST_CONTEXT(mc.collector) {
      BOOST_TEST(!d->source_exists(env));
    }
  }
}

BOOST_AUTO_TEST_CASE(known_names_are_every_collector_once_and_sorted) {
  const auto names = known_collector_names();
  std::set<std::string> registered;
  for (const auto* d : CollectorRegistry::all()) registered.insert(d->name);
  BOOST_TEST(std::set<std::string>(names.begin(), names.end()) == registered);
  BOOST_TEST(names.size() == registered.size());
  BOOST_TEST(std::is_sorted(names.begin(), names.end()));
}

BOOST_AUTO_TEST_CASE(keepalived_check_agrees_with_the_collector) {
  const auto* mc = find_module_collector("keepalived");
  BOOST_REQUIRE(mc && mc->source_exists);
  const auto* d = CollectorRegistry::find("keepalived");
  test::TempDir root;
  Environment env;
  env.rootfs = root.path;
  BOOST_TEST(!mc->source_exists(env));
  BOOST_TEST(!d->source_exists(env));
  fs::create_directories(root.path / "etc/keepalived");
  std::ofstream(root.path / "etc/keepalived/keepalived.conf") << "global_defs {}\n";
  BOOST_TEST(mc->source_exists(env));
  BOOST_TEST(d->source_exists(env));
}

BOOST_AUTO_TEST_CASE(systemd_check_agrees_with_the_collector) {
  const auto* mc = find_module_collector("systemd");
  BOOST_REQUIRE(mc && mc->source_exists);
  const auto* d = CollectorRegistry::find("systemd");
  test::TempDir dir;
  const Environment env;
  const std::string address = "unix:path=" + (dir.path / "system_bus_socket").string();
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", address.c_str(), 1);
  BOOST_TEST(!mc->source_exists(env));
  BOOST_TEST(!d->source_exists(env));
  std::ofstream(dir.path / "system_bus_socket") << "";
  BOOST_TEST(mc->source_exists(env));
  BOOST_TEST(d->source_exists(env));
  // An abstract socket has no file to test: assumed present, by both.
  ::setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:abstract=/tmp/dbus-test", 1);
  BOOST_TEST(mc->source_exists(env));
  BOOST_TEST(d->source_exists(env));
  ::unsetenv("DBUS_SYSTEM_BUS_ADDRESS");
}
