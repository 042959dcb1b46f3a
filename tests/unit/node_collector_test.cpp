// The registered "node" collector run against fixture trees: exact families, labels and values;
// broken sources become problems while the good parts are still emitted.
#define BOOST_TEST_MODULE node_collector
#include <boost/test/unit_test.hpp>

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collector_run.h"
#include "contains.h"
#include "core/collector.h"
#include "core/scheduler.h"
#include "core/snapshot.h"
#include "core/worker_pool.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace std::chrono_literals;

namespace {

const fs::path kNode = fs::path(HAWATCH_FIXTURES) / "node";

Environment tree(const fs::path& dir) { return test::fixture_tree(dir); }

using hawatch::test::contains;

// Builds the node collector from YAML options ("" = no options section).
std::unique_ptr<Collector> make_node(const Environment& env, const std::string& yaml,
                                     ConfigContext& ctx) {
  return test::make_collector("node", env, yaml, ctx);
}

using test::Run;

Run collect(Collector& c) { return test::run_once(c); }

Run collect_tree(const Environment& env, const std::string& yaml) {
  ConfigContext ctx("test.yml");
  auto c = make_node(env, yaml, ctx);
  BOOST_REQUIRE(ctx.ok());
  BOOST_REQUIRE(c != nullptr);
  return collect(*c);
}

double fs_size(const fs::path& p) {
  struct statvfs st {};
  BOOST_REQUIRE(::statvfs(p.c_str(), &st) == 0);
  return static_cast<double>(st.f_blocks) * static_cast<double>(st.f_frsize);
}

using hawatch::test::TempDir;

const Labels kRoot{{"mountpoint", "/"}};
const Labels kAmslpr{{"mountpoint", "/var/lib/amslpr"}};
const Labels kOptAmslpr{{"mountpoint", "/opt/amslpr"}};

Labels zone(const std::string& type, const std::string& number) {
  return {{"type", type}, {"zone", number}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(registered_as_on_by_default) {
  const CollectorDescriptor* d = CollectorRegistry::find("node");
  BOOST_REQUIRE(d != nullptr);
  BOOST_TEST(d->name == "node");
  BOOST_TEST((d->default_enablement == Enablement::on));
}

BOOST_AUTO_TEST_CASE(raspberry_pi_4_tree) {
  const auto env = tree(kNode / "rpi4");
  const Run run = collect_tree(env, R"(mountpoints: ["/"])");
  BOOST_TEST(run.problems.empty(), run.all_problems());

  BOOST_TEST(run.gauge("hawatch_node_load1") == 0.52);
  BOOST_TEST(run.gauge("hawatch_node_load5") == 0.58);
  BOOST_TEST(run.gauge("hawatch_node_load15") == 0.59);
  BOOST_TEST(run.gauge("hawatch_node_memory_total_bytes") == 3885836.0 * 1024);
  BOOST_TEST(run.gauge("hawatch_node_memory_available_bytes") == 3378724.0 * 1024);
  BOOST_TEST(run.gauge("hawatch_node_boot_time_seconds") == 1717405032.0);

  BOOST_TEST(run.series("hawatch_node_temperature_celsius") == 1u);
  BOOST_TEST(run.gauge("hawatch_node_temperature_celsius", zone("cpu-thermal", "0")) == 48.686);

  // Filesystem: the tree directory itself is "/" through --path.rootfs.
  BOOST_TEST(run.series("hawatch_node_filesystem_size_bytes") == 1u);
  BOOST_TEST(run.gauge("hawatch_node_filesystem_size_bytes", kRoot) == fs_size(env.rootfs));
  const double avail = run.gauge("hawatch_node_filesystem_avail_bytes", kRoot);
  BOOST_TEST(avail >= 0);
  BOOST_TEST(avail <= fs_size(env.rootfs));
  BOOST_TEST(run.gauge("hawatch_node_filesystem_readonly", kRoot) == 0.0);

  // Clock sync comes from adjtimex(2) of this host: present, and a boolean.
  const double synced = run.gauge("hawatch_node_time_synced");
  BOOST_TEST((synced == 0.0 || synced == 1.0), "time_synced is " << synced);
  BOOST_TEST(run.has("hawatch_node_time_error_seconds"));
  BOOST_TEST(run.has("hawatch_node_time_max_error_seconds"));
  BOOST_TEST(run.has("hawatch_node_time_offset_seconds"));
}

BOOST_AUTO_TEST_CASE(x86_tree_reports_bad_zones_and_keeps_the_rest) {
  const Run run = collect_tree(tree(kNode / "x86"), R"(mountpoints: ["/"])");
  BOOST_TEST(run.gauge("hawatch_node_load1") == 1.07);
  BOOST_TEST(run.gauge("hawatch_node_memory_total_bytes") == 16255088.0 * 1024);
  BOOST_TEST(run.gauge("hawatch_node_boot_time_seconds") == 1718012345.0);
  BOOST_TEST(run.series("hawatch_node_temperature_celsius") == 2u);
  BOOST_TEST(run.gauge("hawatch_node_temperature_celsius", zone("acpitz", "0")) == 27.8);
  BOOST_TEST(run.gauge("hawatch_node_temperature_celsius", zone("x86_pkg_temp", "1")) == 45.0);
  BOOST_TEST(run.problems.size() == 2u, run.all_problems());
  BOOST_TEST(run.problem_mentions("thermal_zone2/temp"), run.all_problems());
  BOOST_TEST(run.problem_mentions("thermal_zone3/temp"), run.all_problems());
}

BOOST_AUTO_TEST_CASE(repeated_runs_give_the_same_answer) {
  // The collector reuses its read buffer between runs; a second run must not see stale bytes.
  ConfigContext ctx("test.yml");
  auto c = make_node(tree(kNode / "rpi4"), R"(mountpoints: ["/"])", ctx);
  BOOST_REQUIRE(c != nullptr);
  const Run first = collect(*c);
  const Run second = collect(*c);
  BOOST_TEST(second.problems.empty(), second.all_problems());
  BOOST_TEST(second.gauge("hawatch_node_load1") == first.gauge("hawatch_node_load1"));
  BOOST_TEST(second.gauge("hawatch_node_memory_available_bytes") == 3378724.0 * 1024);
  BOOST_TEST(second.gauge("hawatch_node_boot_time_seconds") == 1717405032.0);
}

BOOST_AUTO_TEST_CASE(broken_tree_reports_problems_and_keeps_good_parts) {
  const Run run = collect_tree(tree(kNode / "broken"), R"(mountpoints: ["/"])");

  // Every damaged source is a problem naming it.
  BOOST_TEST(run.problem_mentions("loadavg"), run.all_problems());
  BOOST_TEST(run.problem_mentions("meminfo"), run.all_problems());
  BOOST_TEST(run.problem_mentions("btime"), run.all_problems());
  BOOST_TEST(run.problem_mentions("thermal_zone0/temp"), run.all_problems());
  BOOST_TEST(run.problem_mentions("thermal_zone1/temp"), run.all_problems());
  BOOST_TEST(run.problems.size() == 5u, run.all_problems());

  // Nothing half-parsed is emitted for them.
  BOOST_TEST(run.family("hawatch_node_load1") == nullptr);
  BOOST_TEST(run.family("hawatch_node_memory_total_bytes") == nullptr);
  BOOST_TEST(run.family("hawatch_node_boot_time_seconds") == nullptr);

  // The good parts still are.
  BOOST_TEST(run.series("hawatch_node_temperature_celsius") == 1u);
  BOOST_TEST(run.gauge("hawatch_node_temperature_celsius", zone("soc-thermal", "2")) == 51.54);
  BOOST_TEST(run.has("hawatch_node_filesystem_size_bytes", kRoot));
  BOOST_TEST(run.has("hawatch_node_time_synced"));
}

BOOST_AUTO_TEST_CASE(broken_tree_under_the_scheduler_reads_failed_but_serves_samples) {
  ConfigContext ctx("test.yml");
  std::shared_ptr<Collector> node = make_node(tree(kNode / "broken"), R"(mountpoints: ["/"])", ctx);
  BOOST_REQUIRE(node != nullptr);
  auto store = std::make_shared<SnapshotStore>();
  store->begin_generation(1, {"node"});
  auto pool = std::make_shared<WorkerPool>(1);
  Scheduler scheduler({ScheduledCollector{"node", node, 1h, 5s, 2h}}, pool, store, 1);
  scheduler.start();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!store->ready() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(store->ready());
  const std::string text = store->current()->text();
  BOOST_TEST(contains(text, "hawatch_collector_success{collector=\"node\"} 0\n"), text);
  BOOST_TEST(contains(text, "hawatch_node_temperature_celsius{type=\"soc-thermal\",zone=\"2\"} 51.54\n"),
             text);
  BOOST_TEST(!contains(text, "hawatch_node_load1"), text);
  const auto status = store->status();
  BOOST_REQUIRE_EQUAL(status.size(), 1u);
  BOOST_TEST(!status[0].success);
  BOOST_TEST(!status[0].error.empty());
  scheduler.stop();
}

BOOST_AUTO_TEST_CASE(default_mountpoints_skip_missing_amslpr_dirs_quietly) {
  TempDir root;
  fs::create_directories(root.path / "var/lib/amslpr");
  Environment env = tree(kNode / "rpi4");
  env.rootfs = root.path;
  const Run run = collect_tree(env, "");  // no options: the default list
  BOOST_TEST(run.problems.empty(), run.all_problems());
  BOOST_TEST(run.series("hawatch_node_filesystem_size_bytes") == 2u);
  BOOST_TEST(run.has("hawatch_node_filesystem_size_bytes", kRoot));
  BOOST_TEST(run.has("hawatch_node_filesystem_size_bytes", kAmslpr));
  BOOST_TEST(!run.has("hawatch_node_filesystem_size_bytes", kOptAmslpr));
  BOOST_TEST(run.series("hawatch_node_filesystem_avail_bytes") == 2u);
  BOOST_TEST(run.series("hawatch_node_filesystem_readonly") == 2u);
}

BOOST_AUTO_TEST_CASE(default_mountpoints_still_require_root) {
  Environment env = tree(kNode / "rpi4");
  env.rootfs = kNode / "no-such-rootfs";
  const Run run = collect_tree(env, "");
  BOOST_TEST(run.problems.size() == 1u, run.all_problems());
  BOOST_TEST(run.problem_mentions("no-such-rootfs"), run.all_problems());
  BOOST_TEST(run.family("hawatch_node_filesystem_size_bytes") == nullptr);
}

BOOST_AUTO_TEST_CASE(explicit_missing_mountpoint_is_a_problem) {
  TempDir root;
  Environment env = tree(kNode / "rpi4");
  env.rootfs = root.path;
  const Run run = collect_tree(env, R"(mountpoints: ["/", "/var/lib/amslpr"])");
  BOOST_TEST(run.problems.size() == 1u, run.all_problems());
  BOOST_TEST(run.problem_mentions((root.path / "var/lib/amslpr").string()), run.all_problems());
  BOOST_TEST(run.series("hawatch_node_filesystem_size_bytes") == 1u);
  BOOST_TEST(run.has("hawatch_node_filesystem_size_bytes", kRoot));
}

BOOST_AUTO_TEST_CASE(invalid_options_are_reported_with_positions) {
  const auto env = tree(kNode / "rpi4");
  {
    ConfigContext ctx("node.yml");
    make_node(env, "mountpoints: [\"/\", \"relative/path\"]", ctx);
    BOOST_REQUIRE_EQUAL(ctx.diagnostics().size(), 1u);
    BOOST_TEST(contains(ctx.diagnostics()[0].message, "relative/path"));
    BOOST_TEST(ctx.diagnostics()[0].line == 1);
  }
  {
    ConfigContext ctx("node.yml");
    make_node(env, "mountpoints: [\"/\"]\nmountpoint: [\"/\"]\n", ctx);
    BOOST_REQUIRE_EQUAL(ctx.diagnostics().size(), 1u);
    BOOST_TEST(contains(ctx.diagnostics()[0].message, "mountpoint"));
    BOOST_TEST(ctx.diagnostics()[0].line == 2);
  }
}

BOOST_AUTO_TEST_CASE(read_only_means_the_filesystem_not_a_sandboxed_view) {
  // PID 1's mount table says: "/" is mounted read-only for this view (as ProtectSystem=strict
  // bind-mounts it) but its filesystem is writable; /var/lib/amslpr's filesystem went read-only
  // (remounted after errors). statvfs alone would say the opposite of what matters for "/".
  TempDir root;
  fs::create_directories(root.path / "var/lib/amslpr");
  fs::copy(kNode / "rpi4" / "proc", root.path / "proc", fs::copy_options::recursive);
  fs::create_directories(root.path / "proc/1");
  std::ofstream(root.path / "proc/1/mountinfo")
      << "22 1 179:2 / / ro,relatime shared:1 - ext4 /dev/root rw\n"
         "30 22 8:17 / /var/lib/amslpr rw,relatime shared:5 - ext4 /dev/sdb1 ro,errors=remount-ro\n";
  Environment env = tree(kNode / "rpi4");
  env.procfs = root.path / "proc";
  env.rootfs = root.path;
  const Run run = collect_tree(env, "");
  BOOST_TEST(run.problems.empty(), run.all_problems());
  BOOST_TEST(run.gauge("hawatch_node_filesystem_readonly", kRoot) == 0.0);
  BOOST_TEST(run.gauge("hawatch_node_filesystem_readonly", kAmslpr) == 1.0);
}
