// The pi collector: its parsers on the text the kernel prints (get_throttled, life_time,
// pre_eol_info, mountinfo), and the registered collector on fixture trees that mimic a Raspberry
// Pi's sysfs/procfs (healthy Pi 4, under-voltage now, throttled since boot, Pi 5 with the hwmon
// alarm only, worn eMMC, read-only SD card, a filesystem remounted read-only, malformed files, a
// machine that is no Pi). Absent sources are quiet; malformed ones are problems naming the file
// while the other parts are still served.
#define BOOST_TEST_MODULE pi_collector
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "collector_run.h"
#include "collectors/pi/mmc_health.h"
#include "collectors/shared/mountinfo.h"
#include "collectors/pi/sysfs_read.h"
#include "collectors/pi/throttled.h"
#include "config_errors.h"
#include "contains.h"
#include "core/parse.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace hawatch::test;

namespace {

const fs::path kPi = fs::path(HAWATCH_FIXTURES) / "pi";

Environment tree(const std::string& scenario) {
  return fixture_tree(kPi / scenario);
}

Run collect_env(const Environment& env, const std::string& yaml = "") {
  ConfigContext ctx("test.yml");
  auto c = make_collector("pi", env, yaml, ctx);
  BOOST_REQUIRE(ctx.ok());
  BOOST_REQUIRE(c != nullptr);
  return run_once(*c);
}

Run collect_tree(const std::string& scenario, const std::string& yaml = "") {
  return collect_env(tree(scenario), yaml);
}

bool source_exists(const Environment& env) {
  const auto* d = CollectorRegistry::find("pi");
  BOOST_REQUIRE(d != nullptr);
  return d->source_exists(env);
}

template <typename Fn>
std::string parse_error(Fn&& fn) {
  try {
    fn();
  } catch (const ParseError& e) {
    return e.what();
  }
  return "accepted";
}

Labels device(const std::string& d) {
  return {{"device", d}};
}
Labels mountpoint(const std::string& m) {
  return {{"mountpoint", m}};
}
Labels policy0() {
  return {{"policy", "0"}};
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parsers)

BOOST_AUTO_TEST_CASE(get_throttled_bits) {
  // 0x50005: under-voltage and throttled now, both also "has occurred" (vcgencmd's example).
  const auto s = pi::parse_get_throttled("50005\n", "get_throttled");
  BOOST_TEST(s.raw == 0x50005u);
  BOOST_TEST(s.now(pi::ThrottleCondition::under_voltage));
  BOOST_TEST(!s.now(pi::ThrottleCondition::frequency_capped));
  BOOST_TEST(s.now(pi::ThrottleCondition::throttled));
  BOOST_TEST(!s.now(pi::ThrottleCondition::soft_temp_limit));
  BOOST_TEST(s.since_boot(pi::ThrottleCondition::under_voltage));
  BOOST_TEST(!s.since_boot(pi::ThrottleCondition::frequency_capped));
  BOOST_TEST(s.since_boot(pi::ThrottleCondition::throttled));
  // 0x80008: the soft temperature limit, now and since boot (Pi 3B+).
  const auto t = pi::parse_get_throttled("80008", "get_throttled");
  BOOST_TEST(t.now(pi::ThrottleCondition::soft_temp_limit));
  BOOST_TEST(t.since_boot(pi::ThrottleCondition::soft_temp_limit));
  BOOST_TEST(!t.now(pi::ThrottleCondition::under_voltage));
  BOOST_TEST(pi::parse_get_throttled("0\n", "x").raw == 0u);
  BOOST_TEST(pi::parse_get_throttled("0x50000", "x").raw == 0x50000u);  // vcgencmd style too
}

BOOST_AUTO_TEST_CASE(get_throttled_garbage_names_the_source) {
  for (const char* bad : {"", "\n", "throttled=0x50005", "zz", "-1", "123456789", "5 0"}) {
    const auto e = parse_error([&] { pi::parse_get_throttled(bad, "/sys/x/get_throttled"); });
    BOOST_TEST(contains(e, "/sys/x/get_throttled: expected a hexadecimal value"), bad << ": " << e);
  }
}

BOOST_AUTO_TEST_CASE(flags_and_decimals) {
  BOOST_TEST(pi::parse_flag("1\n", "ro"));
  BOOST_TEST(!pi::parse_flag("0", "ro"));
  BOOST_TEST(contains(parse_error([] { pi::parse_flag("yes", "/sys/block/mmcblk0/ro"); }),
                      "/sys/block/mmcblk0/ro: expected 0 or 1, got \"yes\""));
  BOOST_TEST(contains(parse_error([] { pi::parse_flag("2", "alarm"); }), "expected 0 or 1"));
  BOOST_TEST(pi::parse_decimal("1500000\n", "f") == 1500000u);
  BOOST_TEST(contains(parse_error([] { pi::parse_decimal("fast", "scaling_cur_freq"); }),
                      "scaling_cur_freq: expected a decimal number, got \"fast\""));
}

BOOST_AUTO_TEST_CASE(life_time_and_pre_eol) {
  const auto [a, b] = pi::parse_life_time("0x01 0x0b\n", "life_time");
  BOOST_TEST(a == 1u);
  BOOST_TEST(b == 0x0Bu);
  // Older kernels print pre_eol_info without the 0x prefix ("%02x").
  BOOST_TEST(pi::parse_hex("02\n", "pre_eol_info", 2) == 2u);
  BOOST_TEST(pi::parse_hex("0x02\n", "pre_eol_info", 2) == 2u);
  BOOST_TEST(contains(parse_error([] { pi::parse_life_time("0x0a", "life_time"); }),
                      "life_time: expected two life-time estimates"));
  BOOST_TEST(contains(parse_error([] { pi::parse_life_time("0x0a 0x0b 0x0c", "life_time"); }),
                      "expected two"));
  BOOST_TEST(
      contains(parse_error([] { pi::parse_life_time("0x0a 0x100", "life_time"); }), "hexadecimal"));
  BOOST_TEST(pi::life_time_used_ratio(0x01).value() == 0.1);
  BOOST_TEST(pi::life_time_used_ratio(0x0A).value() == 1.0);
  BOOST_TEST(pi::life_time_used_ratio(0x0B).value() == 1.1);
  BOOST_TEST(!pi::life_time_used_ratio(0x00).has_value());  // not defined
  BOOST_TEST(!pi::life_time_used_ratio(0x0C).has_value());  // reserved
}

BOOST_AUTO_TEST_CASE(printable_labels) {
  BOOST_TEST(pi::printable_label("SC32G") == "SC32G");
  BOOST_TEST(pi::printable_label("\x01"
                                 "BAD\xff") == "?BAD?");
  BOOST_TEST(pi::printable_label(std::string(500, 'x'), 32).size() == 32u);
}

BOOST_AUTO_TEST_CASE(mountinfo_fields_flags_and_escapes) {
  const auto m = mounts::parse_mountinfo(
      "22 1 179:2 / / rw,noatime shared:1 - ext4 /dev/mmcblk0p2 rw\n"
      "31 22 8:1 / /var/lib/amslpr rw,relatime shared:21 master:3 - ext4 /dev/sda1 "
      "ro,errors=remount-ro\n"
      "32 22 8:17 / /mnt/backup\\040disk ro,relatime - ext4 /dev/sdb1 rw\n",
      "mountinfo");
  BOOST_REQUIRE(m.size() == 3u);
  BOOST_TEST(m[0].mountpoint == "/");
  BOOST_TEST(m[0].fstype == "ext4");
  BOOST_TEST(m[0].source == "/dev/mmcblk0p2");
  BOOST_TEST(!m[0].super_readonly);
  BOOST_TEST(m[1].mountpoint == "/var/lib/amslpr");  // two optional fields before "-"
  BOOST_TEST(!m[1].mount_readonly);
  BOOST_TEST(m[1].super_readonly);
  BOOST_TEST(m[2].mountpoint == "/mnt/backup disk");  // no optional field at all
  BOOST_TEST(m[2].mount_readonly);
  BOOST_TEST(!m[2].super_readonly);
  BOOST_TEST(mounts::unescape_mount_path("a\\011b\\134c\\012") == "a\tb\\c\n");
  BOOST_TEST(mounts::unescape_mount_path("trailing\\04") == "trailing\\04");  // incomplete: kept
  BOOST_TEST(mounts::parse_mountinfo("", "m").empty());
}

BOOST_AUTO_TEST_CASE(mountinfo_malformed_lines) {
  const auto e1 = parse_error([] {
    mounts::parse_mountinfo("22 1 179:2 / / rw - ext4 /dev/root rw\n23 22 0:21 / /proc rw,nosuid\n",
                        "/proc/1/mountinfo");
  });
  BOOST_TEST(contains(e1, "/proc/1/mountinfo: line 2: not in mountinfo format"), e1);
  const auto e2 = parse_error([] {  // no "-" separator
    mounts::parse_mountinfo("22 1 179:2 / / rw shared:1 x ext4 /dev/root rw\n", "m");
  });
  BOOST_TEST(contains(e2, "line 1: not in mountinfo format"), e2);
  const auto e3 = parse_error(
      [] { mounts::parse_mountinfo("22 1 179:2 / relative rw - ext4 /dev/root rw\n", "m"); });
  BOOST_TEST(contains(e3, "line 1: mount point is not absolute"), e3);
}

BOOST_AUTO_TEST_CASE(mount_lookup_by_whole_components) {
  const auto m = mounts::parse_mountinfo(
      "1 0 1:1 / / rw - ext4 /dev/root rw\n"
      "2 1 1:2 / /var/lib/amslpr rw - ext4 /dev/sda1 rw\n"
      "3 1 1:3 / /var/lib/amslpr rw - ext4 /dev/sdb1 ro\n",  // stacked on top of #2
      "m");
  BOOST_TEST(mounts::mount_containing(m, "/var/lib/amslpr")->source == "/dev/sdb1");
  BOOST_TEST(mounts::mount_containing(m, "/var/lib/amslpr/db/x.db")->source == "/dev/sdb1");
  BOOST_TEST(mounts::mount_containing(m, "/var/lib/amslpr2")->mountpoint == "/");
  BOOST_TEST(mounts::mount_containing(m, "/")->mountpoint == "/");
  BOOST_TEST(mounts::mount_containing({}, "/var") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(collector)

BOOST_AUTO_TEST_CASE(healthy_pi4) {
  const auto r = collect_tree("healthy-pi4");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_model_info", {{"model", "Raspberry Pi 4 Model B Rev 1.4"}}) == 1);
  BOOST_TEST(r.gauge("hawatch_pi_throttled_raw") == 0);
  for (const char* c : {"undervoltage", "frequency_capped", "throttled", "soft_temp_limit"}) {
    BOOST_TEST(r.gauge(std::string("hawatch_pi_") + c + "_now") == 0, c);
    BOOST_TEST(r.gauge(std::string("hawatch_pi_") + c + "_since_boot") == 0, c);
  }
  BOOST_TEST(r.series("hawatch_pi_undervoltage_now") == 1u);  // not one per source
  BOOST_TEST(r.gauge("hawatch_pi_cpu_frequency_hertz", policy0()) == 1.5e9);
  BOOST_TEST(r.gauge("hawatch_pi_cpu_frequency_max_hertz", policy0()) == 1.5e9);
  BOOST_TEST(r.gauge("hawatch_pi_cpu_frequency_hardware_max_hertz", policy0()) == 1.5e9);
  BOOST_TEST(r.gauge("hawatch_pi_storage_info", {{"device", "mmcblk0"},
                                                 {"manfid", "0x000003"},
                                                 {"name", "SC32G"},
                                                 {"oemid", "0x5344"},
                                                 {"type", "SD"}}) == 1);
  BOOST_TEST(r.gauge("hawatch_pi_storage_readonly", device("mmcblk0")) == 0);
  // An SD card has no life-time registers: no series rather than a made-up value.
  BOOST_TEST(!r.family("hawatch_pi_storage_life_time_ratio"));
  BOOST_TEST(!r.family("hawatch_pi_storage_pre_eol_state"));
  // "/" and /var/lib/amslpr (same filesystem) give one series; /var/lib/visigate is absent.
  BOOST_TEST(r.series("hawatch_pi_filesystem_readonly") == 1u);
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/")) == 0);
  BOOST_TEST(r.gauge("hawatch_pi_accelerator_present", {{"device", "/dev/hailo0"}}) == 1);
}

BOOST_AUTO_TEST_CASE(undervoltage_now) {
  const auto r = collect_tree("undervoltage-now");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_throttled_raw") == 0x50005);
  BOOST_TEST(r.gauge("hawatch_pi_undervoltage_now") == 1);
  BOOST_TEST(r.gauge("hawatch_pi_undervoltage_since_boot") == 1);
  BOOST_TEST(r.gauge("hawatch_pi_throttled_now") == 1);
  BOOST_TEST(r.gauge("hawatch_pi_throttled_since_boot") == 1);
  BOOST_TEST(r.gauge("hawatch_pi_frequency_capped_now") == 0);
  BOOST_TEST(r.gauge("hawatch_pi_cpu_frequency_hertz", policy0()) == 6e8);
}

BOOST_AUTO_TEST_CASE(throttled_since_boot_only) {
  const auto r = collect_tree("throttled-since-boot");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_throttled_raw") == 0x50000);
  BOOST_TEST(r.gauge("hawatch_pi_undervoltage_now") == 0);
  BOOST_TEST(r.gauge("hawatch_pi_undervoltage_since_boot") == 1);
  BOOST_TEST(r.gauge("hawatch_pi_throttled_now") == 0);
  BOOST_TEST(r.gauge("hawatch_pi_throttled_since_boot") == 1);
}

BOOST_AUTO_TEST_CASE(hwmon_alarm_alone_gives_undervoltage_now_only) {
  const auto r = collect_tree("pi5-hwmon-only");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_undervoltage_now") == 1);
  // The hwmon alarm knows nothing of history or the other conditions: no guesses.
  BOOST_TEST(!r.family("hawatch_pi_undervoltage_since_boot"));
  BOOST_TEST(!r.family("hawatch_pi_throttled_raw"));
  BOOST_TEST(!r.family("hawatch_pi_throttled_now"));
  BOOST_TEST(!r.family("hawatch_pi_storage_info"));  // no card in this tree
  BOOST_TEST(r.gauge("hawatch_pi_accelerator_present", {{"device", "/dev/hailo0"}}) == 0);
  BOOST_TEST(r.gauge("hawatch_pi_cpu_frequency_hertz", policy0()) == 2.4e9);
}

BOOST_AUTO_TEST_CASE(firmware_node_can_be_skipped) {
  // undervoltage-now has both sources; without the firmware node the hwmon alarm answers.
  const auto r = collect_tree("undervoltage-now", "firmware_node: false");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_undervoltage_now") == 1);
  BOOST_TEST(!r.family("hawatch_pi_throttled_raw"));
}

BOOST_AUTO_TEST_CASE(worn_emmc) {
  const auto r = collect_tree("worn-emmc");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_storage_info", {{"device", "mmcblk0"},
                                                 {"manfid", "0x000045"},
                                                 {"name", "DG4016"},
                                                 {"oemid", "0x0100"},
                                                 {"type", "MMC"}}) == 1);
  BOOST_TEST(
      r.gauge("hawatch_pi_storage_life_time_ratio", {{"device", "mmcblk0"}, {"kind", "A"}}) == 1.0);
  BOOST_TEST(
      r.gauge("hawatch_pi_storage_life_time_ratio", {{"device", "mmcblk0"}, {"kind", "B"}}) == 1.1);
  BOOST_TEST(r.gauge("hawatch_pi_storage_pre_eol_state", device("mmcblk0")) == 2);
  // The eMMC boot partitions are not devices of their own.
  BOOST_TEST(r.series("hawatch_pi_storage_info") == 1u);
  BOOST_TEST(r.series("hawatch_pi_storage_readonly") == 1u);
  // /var/lib/amslpr is its own mount here: one series per filesystem.
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/")) == 0);
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/var/lib/amslpr")) == 0);
}

BOOST_AUTO_TEST_CASE(sd_card_read_only) {
  const auto r = collect_tree("sd-readonly");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_storage_readonly", device("mmcblk0")) == 1);
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/")) == 1);
}

BOOST_AUTO_TEST_CASE(filesystem_remounted_read_only) {
  const auto r = collect_tree("fs-remounted-ro",
                              R"(data_directories: ["/", "/var/lib/amslpr", "/mnt/backup disk"])");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  // PID 1's table: the superblock flag decides, whatever the per-mount flag says.
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/")) == 0);
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/var/lib/amslpr")) == 1);
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/mnt/backup disk")) == 1);
  BOOST_TEST(r.gauge("hawatch_pi_storage_readonly", device("mmcblk0")) == 0);
}

BOOST_AUTO_TEST_CASE(own_mount_table_when_pid1_is_hidden) {
  // hawatch's own (sandboxed) view has "/" read-only per mount only: the filesystem is not.
  const auto r = collect_tree("self-mountinfo-only");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/")) == 0);
}

BOOST_AUTO_TEST_CASE(malformed_files_are_problems_and_the_rest_is_served) {
  const auto r = collect_tree("malformed");
  const auto root = (kPi / "malformed").string();
  for (const std::string file :
       {"/sys/devices/platform/soc/soc:firmware/get_throttled",
        "/sys/class/hwmon/hwmon1/in0_lcrit_alarm",
        "/sys/devices/system/cpu/cpufreq/policy0/scaling_cur_freq", "/sys/block/mmcblk0/ro",
        "/sys/block/mmcblk1/device/life_time", "/sys/block/mmcblk1/device/pre_eol_info",
        "/proc/1/mountinfo: line 2"})
    BOOST_TEST(r.problem_mentions(root + file), file << " in " << r.all_problems());
  BOOST_TEST(r.problems.size() == 7u, r.all_problems());
  // Nothing guessed for what could not be read...
  BOOST_TEST(!r.family("hawatch_pi_throttled_raw"));
  BOOST_TEST(!r.family("hawatch_pi_undervoltage_now"));
  BOOST_TEST(!r.family("hawatch_pi_cpu_frequency_hertz"));
  BOOST_TEST(!r.has("hawatch_pi_storage_readonly", device("mmcblk0")));
  BOOST_TEST(!r.family("hawatch_pi_storage_life_time_ratio"));
  BOOST_TEST(!r.family("hawatch_pi_filesystem_readonly"));
  // ...and everything else still there, hostile label text made printable.
  BOOST_TEST(r.gauge("hawatch_pi_cpu_frequency_max_hertz", policy0()) == 1.5e9);
  BOOST_TEST(r.gauge("hawatch_pi_storage_readonly", device("mmcblk1")) == 0);
  BOOST_TEST(r.gauge("hawatch_pi_storage_info", {{"device", "mmcblk1"},
                                                 {"manfid", "0x000015"},
                                                 {"name", "?BAD?NAME"},
                                                 {"oemid", ""},
                                                 {"type", "MMC"}}) == 1);
  BOOST_TEST(r.gauge("hawatch_pi_accelerator_present", {{"device", "/dev/hailo0"}}) == 1);
  BOOST_TEST(r.has("hawatch_pi_model_info", {{"model", "Raspberry Pi 4 Model B Rev 1.4"}}));
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_a_problem_not_silence) {
  TempDir dir;
  // A directory where the attribute should be: the read fails with EISDIR, not "absent".
  fs::create_directories(dir.path / "sys/devices/platform/soc/soc:firmware/get_throttled");
  write(dir.path / "sys/firmware/devicetree/base/model",
        std::string("Raspberry Pi 3 Model B\0", 23));
  const auto r = collect_env(fixture_tree(dir.path));
  BOOST_TEST(r.problem_mentions("soc:firmware/get_throttled: Is a directory"), r.all_problems());
  BOOST_TEST(r.has("hawatch_pi_model_info", {{"model", "Raspberry Pi 3 Model B"}}));
}

BOOST_AUTO_TEST_CASE(not_a_pi_is_quiet) {
  const auto env = tree("not-a-pi");
  BOOST_TEST(!source_exists(env));
  // Forced on anyway: nothing Pi-specific, no problem; the configured checks still answer.
  const auto r = collect_env(env);
  BOOST_TEST(r.problems.empty(), r.all_problems());
  for (const char* absent :
       {"hawatch_pi_model_info", "hawatch_pi_throttled_raw", "hawatch_pi_undervoltage_now",
        "hawatch_pi_storage_info", "hawatch_pi_storage_readonly"})
    BOOST_TEST(!r.family(absent), absent);
  BOOST_TEST(r.gauge("hawatch_pi_filesystem_readonly", mountpoint("/")) == 0);
  BOOST_TEST(r.gauge("hawatch_pi_accelerator_present", {{"device", "/dev/hailo0"}}) == 0);
}

BOOST_AUTO_TEST_CASE(an_empty_tree_is_quiet) {
  TempDir dir;
  const auto r = collect_env(fixture_tree(dir.path), "accelerator_devices: []");
  BOOST_TEST(r.problems.empty(), r.all_problems());
  BOOST_TEST(r.sink.empty());
}

BOOST_AUTO_TEST_CASE(configured_data_directory_that_is_missing) {
  const auto r = collect_tree("healthy-pi4", R"(data_directories: ["/var/lib/nothere"])");
  BOOST_TEST(r.problem_mentions("var/lib/nothere does not exist"), r.all_problems());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(enablement_and_options)

BOOST_AUTO_TEST_CASE(source_detection) {
  for (const char* pi :
       {"healthy-pi4", "undervoltage-now", "pi5-hwmon-only", "worn-emmc", "malformed"})
    BOOST_TEST(source_exists(tree(pi)), pi);
  // The device-tree model alone is enough (a Pi whose kernel has neither interface).
  TempDir dir;
  write(dir.path / "sys/firmware/devicetree/base/model",
        std::string("Raspberry Pi Zero 2 W\0", 22));
  BOOST_TEST(source_exists(fixture_tree(dir.path)));
  TempDir other;
  write(other.path / "sys/firmware/devicetree/base/model", std::string("Pine64 RockPro64\0", 17));
  BOOST_TEST(!source_exists(fixture_tree(other.path)));
}

BOOST_AUTO_TEST_CASE(auto_is_off_on_this_host_and_on_on_a_pi_tree) {
  // This build machine is no Pi: the default config schedules no pi collector at all.
  BOOST_TEST(build_units("collectors: {}\n", "pi").empty());
  BOOST_TEST(build_units("collectors: {}\n", "pi", tree("healthy-pi4")).size() == 1u);
  BOOST_TEST(
      build_units("collectors: { pi: { enabled: auto } }\n", "pi", tree("not-a-pi")).empty());
}

BOOST_AUTO_TEST_CASE(bad_options_are_reported_with_positions) {
  const auto e = config_errors(
      "collectors:\n"
      "  pi:\n"
      "    data_directories: [var/lib/amslpr]\n"
      "    accelerator_devices: [hailo0]\n"
      "    firmware_node: maybe\n"
      "    colour: blue\n");
  BOOST_TEST(contains(e,
                      "test.yml:3:24: \"collectors.pi.data_directories\": \"var/lib/amslpr\" is "
                      "not an absolute path"),
             e);
  BOOST_TEST(contains(e, "test.yml:4:27: \"collectors.pi.accelerator_devices\": \"hailo0\""), e);
  BOOST_TEST(contains(e, "firmware_node"), e);
  BOOST_TEST(contains(e, "colour"), e);
}

BOOST_AUTO_TEST_SUITE_END()
