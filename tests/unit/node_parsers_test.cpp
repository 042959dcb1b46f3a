// The node collector's pure parsers, on fixture trees copied from real kernels and on damaged
// inputs: good input gives exact values, every bad input raises ParseError/IoError naming its
// source, nothing crashes.
#define BOOST_TEST_MODULE node_parsers
#include <boost/test/unit_test.hpp>

#include <sys/timex.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "collectors/node/node_parsers.h"
#include "contains.h"
#include "core/file_io.h"
#include "core/parse.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace hawatch;

namespace {

const fs::path kNode = fs::path(HAWATCH_FIXTURES) / "node";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open fixture " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Environment tree(const std::string& name) {
  Environment env;
  env.procfs = kNode / name / "proc";
  env.sysfs = kNode / name / "sys";
  env.rootfs = kNode / name;
  return env;
}

using hawatch::test::contains;

// Runs `fn`, which must throw E, and returns the message.
template <typename E, typename Fn>
std::string message_of(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    BOOST_ERROR("wrong exception type: " << e.what());
    return {};
  }
  BOOST_ERROR("no exception thrown");
  return {};
}

using hawatch::test::TempDir;

}  // namespace

BOOST_AUTO_TEST_SUITE(loadavg)

BOOST_AUTO_TEST_CASE(raspberry_pi_4) {
  const auto l = node::parse_loadavg(slurp(kNode / "rpi4/proc/loadavg"));
  BOOST_TEST(l.load1 == 0.52);
  BOOST_TEST(l.load5 == 0.58);
  BOOST_TEST(l.load15 == 0.59);
}

BOOST_AUTO_TEST_CASE(x86) {
  const auto l = node::parse_loadavg(slurp(kNode / "x86/proc/loadavg"));
  BOOST_TEST(l.load1 == 1.07);
  BOOST_TEST(l.load5 == 0.88);
  BOOST_TEST(l.load15 == 0.73);
}

BOOST_AUTO_TEST_CASE(broken_inputs_raise_parse_error_naming_loadavg) {
  for (const char* file : {"empty", "loadavg.truncated", "garbage", "loadavg.negative"}) {
    BOOST_TEST_CONTEXT("fixture " << file) {
      const auto text = slurp(kNode / "malformed" / file);
      const auto msg = message_of<ParseError>([&] { node::parse_loadavg(text); });
      BOOST_TEST(msg.rfind("loadavg: ", 0) == 0, "message names the source: " << msg);
    }
  }
  // What was wrong is part of the message.
  BOOST_TEST(contains(message_of<ParseError>([] { node::parse_loadavg("0.1 0.2"); }), "0.1 0.2"));
  BOOST_TEST(contains(message_of<ParseError>([] { node::parse_loadavg("abc def ghi"); }), "abc"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(meminfo)

BOOST_AUTO_TEST_CASE(raspberry_pi_4_uses_mem_available_in_bytes) {
  const auto m = node::parse_meminfo(slurp(kNode / "rpi4/proc/meminfo"));
  BOOST_TEST(m.total_bytes == 3885836.0 * 1024);
  BOOST_TEST(m.available_bytes == 3378724.0 * 1024);
}

BOOST_AUTO_TEST_CASE(x86_ignores_unitless_hugepage_lines) {
  const auto m = node::parse_meminfo(slurp(kNode / "x86/proc/meminfo"));
  BOOST_TEST(m.total_bytes == 16255088.0 * 1024);
  BOOST_TEST(m.available_bytes == 11840876.0 * 1024);
}

BOOST_AUTO_TEST_CASE(old_kernel_without_mem_available_falls_back) {
  const auto text = slurp(kNode / "old-kernel/proc/meminfo");
  BOOST_REQUIRE(!contains(text, "MemAvailable"));
  const auto m = node::parse_meminfo(text);
  BOOST_TEST(m.total_bytes == 949448.0 * 1024);
  // MemFree + Buffers + Cached
  BOOST_TEST(m.available_bytes == (372324.0 + 41460.0 + 318736.0) * 1024);
}

BOOST_AUTO_TEST_CASE(broken_inputs_raise_parse_error_naming_meminfo) {
  for (const char* file : {"empty", "garbage", "meminfo.no-memtotal", "meminfo.no-available",
                           "meminfo.truncated"}) {
    BOOST_TEST_CONTEXT("fixture " << file) {
      const auto text = slurp(kNode / "malformed" / file);
      const auto msg = message_of<ParseError>([&] { node::parse_meminfo(text); });
      BOOST_TEST(msg.rfind("meminfo: ", 0) == 0, "message names the source: " << msg);
    }
  }
  BOOST_TEST(contains(message_of<ParseError>([] {
                        node::parse_meminfo(slurp(kNode / "malformed/meminfo.no-memtotal"));
                      }),
                      "MemTotal"));
}

BOOST_AUTO_TEST_CASE(a_used_line_with_a_bad_value_is_an_error_not_skipped) {
  // A damaged MemTotal must not be reported as "missing" nor read in the wrong unit.
  BOOST_TEST(contains(message_of<ParseError>([] {
                        node::parse_meminfo("MemTotal:       abc kB\nMemAvailable:   1 kB\n");
                      }),
                      "MemTotal"));
  BOOST_TEST(contains(message_of<ParseError>([] {
                        node::parse_meminfo("MemTotal:       3885836\nMemAvailable:   1 kB\n");
                      }),
                      "MemTotal"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(boot_time)

BOOST_AUTO_TEST_CASE(from_real_proc_stat) {
  BOOST_TEST(node::parse_boot_time(slurp(kNode / "rpi4/proc/stat")) == 1717405032);
  BOOST_TEST(node::parse_boot_time(slurp(kNode / "x86/proc/stat")) == 1718012345);
}

BOOST_AUTO_TEST_CASE(broken_inputs_raise_parse_error_naming_stat) {
  for (const char* file : {"empty", "garbage", "stat.no-btime", "stat.btime-xyz", "stat.truncated"}) {
    BOOST_TEST_CONTEXT("fixture " << file) {
      const auto text = slurp(kNode / "malformed" / file);
      const auto msg = message_of<ParseError>([&] { node::parse_boot_time(text); });
      BOOST_TEST(msg.rfind("stat: ", 0) == 0, "message names the source: " << msg);
    }
  }
  BOOST_TEST(contains(message_of<ParseError>([] { node::parse_boot_time("btime xyz\n"); }),
                      "malformed btime"));
  BOOST_TEST(contains(message_of<ParseError>([] { node::parse_boot_time("ctxt 1\n"); }),
                      "no btime"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(temperature)

BOOST_AUTO_TEST_CASE(millidegrees) {
  BOOST_TEST(node::parse_millidegrees("48686\n", "t") == 48.686);
  BOOST_TEST(node::parse_millidegrees("-5000", "t") == -5.0);
  BOOST_TEST(node::parse_millidegrees("0", "t") == 0.0);
}

BOOST_AUTO_TEST_CASE(bad_millidegrees_name_the_source) {
  for (const std::string& text : {std::string(""), std::string("12a"), std::string("abc def ghi"),
                                 slurp(kNode / "malformed/temp.12a")}) {
    BOOST_TEST_CONTEXT("input \"" << text << "\"") {
      const auto msg = message_of<ParseError>(
          [&] { node::parse_millidegrees(text, "/sys/class/thermal/thermal_zone7/temp"); });
      BOOST_TEST(msg.rfind("/sys/class/thermal/thermal_zone7/temp: ", 0) == 0, msg);
    }
  }
}

BOOST_AUTO_TEST_CASE(raspberry_pi_4_cpu_thermal) {
  std::vector<std::string> problems;
  const auto zones = node::read_thermal_zones(tree("rpi4"), problems);
  BOOST_TEST(problems.empty());
  BOOST_REQUIRE_EQUAL(zones.size(), 1u);  // cooling_device0 is not a zone
  BOOST_TEST(zones[0].zone == "0");
  BOOST_TEST(zones[0].type == "cpu-thermal");
  BOOST_TEST(zones[0].celsius == 48.686);
}

BOOST_AUTO_TEST_CASE(x86_keeps_good_zones_and_reports_bad_ones) {
  std::vector<std::string> problems;
  const auto zones = node::read_thermal_zones(tree("x86"), problems);
  BOOST_REQUIRE_EQUAL(zones.size(), 2u);
  BOOST_TEST(zones[0].zone == "0");
  BOOST_TEST(zones[0].type == "acpitz");
  BOOST_TEST(zones[0].celsius == 27.8);
  BOOST_TEST(zones[1].zone == "1");
  BOOST_TEST(zones[1].type == "x86_pkg_temp");
  BOOST_TEST(zones[1].celsius == 45.0);

  BOOST_REQUIRE_EQUAL(problems.size(), 2u);
  // zone2's temp cannot be read (EISDIR); zone3's holds garbage. Both name the file.
  BOOST_TEST(contains(problems[0], "thermal_zone2/temp"), problems[0]);
  BOOST_TEST(contains(problems[0], std::strerror(EISDIR)), problems[0]);
  BOOST_TEST(contains(problems[1], "thermal_zone3/temp"), problems[1]);
  BOOST_TEST(contains(problems[1], "N/A"), problems[1]);
}

BOOST_AUTO_TEST_CASE(broken_zones_are_problems_the_good_one_is_kept) {
  std::vector<std::string> problems;
  const auto zones = node::read_thermal_zones(tree("broken"), problems);
  BOOST_REQUIRE_EQUAL(zones.size(), 1u);
  BOOST_TEST(zones[0].zone == "2");
  BOOST_TEST(zones[0].type == "soc-thermal");
  BOOST_TEST(zones[0].celsius == 51.54);
  BOOST_REQUIRE_EQUAL(problems.size(), 2u);
  BOOST_TEST(contains(problems[0], "thermal_zone0/temp"), problems[0]);  // "12a"
  BOOST_TEST(contains(problems[0], "12a"), problems[0]);
  BOOST_TEST(contains(problems[1], "thermal_zone1/temp"), problems[1]);  // ""
}

BOOST_AUTO_TEST_CASE(no_thermal_class_is_not_an_error) {
  Environment env;
  env.sysfs = kNode / "old-kernel" / "sys";  // does not exist
  std::vector<std::string> problems;
  BOOST_TEST(node::read_thermal_zones(env, problems).empty());
  BOOST_TEST(problems.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(time_sync)

BOOST_AUTO_TEST_CASE(synchronised_clock_in_microseconds) {
  struct timex tx {};
  tx.status = STA_PLL;
  tx.esterror = 1234;       // µs
  tx.maxerror = 16000000;   // µs
  tx.offset = -1500;        // µs without STA_NANO
  const auto t = node::time_sync_from_timex(tx, TIME_OK);
  BOOST_TEST(t.synced);
  BOOST_TEST(t.estimated_error_seconds == 0.001234);
  BOOST_TEST(t.max_error_seconds == 16.0);
  BOOST_TEST(t.offset_seconds == -0.0015);
}

BOOST_AUTO_TEST_CASE(sta_nano_means_nanosecond_offset) {
  struct timex tx {};
  tx.status = STA_PLL | STA_NANO;
  tx.offset = 1500;  // ns
  const auto t = node::time_sync_from_timex(tx, TIME_OK);
  BOOST_TEST(t.synced);
  BOOST_TEST(t.offset_seconds == 0.0000015);
}

BOOST_AUTO_TEST_CASE(sta_unsync_means_not_synchronised) {
  struct timex tx {};
  tx.status = STA_UNSYNC;
  BOOST_TEST(!node::time_sync_from_timex(tx, TIME_OK).synced);
  tx.status = STA_UNSYNC | STA_NANO;
  BOOST_TEST(!node::time_sync_from_timex(tx, TIME_INS).synced);
  tx.status = 0;
  BOOST_TEST(node::time_sync_from_timex(tx, TIME_INS).synced);
}

BOOST_AUTO_TEST_CASE(time_error_state_means_not_synchronised) {
  struct timex tx {};
  tx.status = 0;  // STA_UNSYNC clear, but the kernel says TIME_ERROR
  BOOST_TEST(!node::time_sync_from_timex(tx, TIME_ERROR).synced);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(filesystem)

BOOST_AUTO_TEST_CASE(statvfs_through_rootfs) {
  TempDir root;
  fs::create_directories(root.path / "var/lib/amslpr");
  Environment env;
  env.rootfs = root.path;

  // "/var/lib/amslpr" exists only below the temp rootfs, so success proves the join.
  std::optional<IoError> error;
  const auto usage = node::stat_filesystem(env, "/var/lib/amslpr", error);
  BOOST_TEST_REQUIRE(usage.has_value(), (error ? error->what() : ""));
  BOOST_TEST(!error.has_value());
  BOOST_TEST(usage->mountpoint == "/var/lib/amslpr");
  BOOST_TEST(usage->size_bytes > 0);
  BOOST_TEST(usage->avail_bytes >= 0);
  BOOST_TEST(usage->avail_bytes <= usage->size_bytes);
  BOOST_TEST(!usage->readonly);

  const auto root_usage = node::stat_filesystem(env, "/", error);
  BOOST_TEST_REQUIRE(root_usage.has_value());
  BOOST_TEST(root_usage->mountpoint == "/");
  BOOST_TEST(root_usage->size_bytes == usage->size_bytes);  // same filesystem
}

BOOST_AUTO_TEST_CASE(missing_path_is_io_error_not_found) {
  TempDir root;
  Environment env;
  env.rootfs = root.path;
  std::optional<IoError> error;
  BOOST_TEST(!node::stat_filesystem(env, "/var/lib/amslpr", error).has_value());
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(error->not_found());
  BOOST_TEST(error->error_code() == ENOENT);
  // The message names the path as seen through the rootfs.
  BOOST_TEST(contains(error->what(), (root.path / "var/lib/amslpr").string()), error->what());
  // A path through a regular file (ENOTDIR) is "not found" too.
  std::ofstream(root.path / "file") << "x";
  error.reset();
  BOOST_TEST(!node::stat_filesystem(env, "/file/below", error).has_value());
  BOOST_TEST_REQUIRE(error.has_value());
  BOOST_TEST(error->not_found());
  BOOST_TEST(error->error_code() == ENOTDIR);
}

BOOST_AUTO_TEST_SUITE_END()
