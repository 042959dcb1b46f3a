// plugins.exec through build_plugin_units(): config validation with positions, real Debian Nagios
// plugins (check_dummy for every exit code, check_load, check_disk, check_procs) into metrics, and
// the misbehaving checks: hang (killed on time with its children), crash, garbage, 10 MB, exit
// codes 4..255, a clean environment.
#define BOOST_TEST_MODULE plugin_units
#include "runtime/plugin_units.h"

#include <prometheus/text_serializer.h>
#include <signal.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/config.h"
#include "runtime/exec_runner.h"

using namespace hawatch;
using namespace std::chrono_literals;

namespace {

const std::string kPlugins = "/usr/lib/nagios/plugins/";

std::vector<ScheduledCollector> units(const std::string& yaml) {
  Config cfg = parse_config("collectors: { node: { enabled: false } }\nplugins:\n" + yaml, "test.yml");
  Environment env;
  env.node_name = "testnode";
  return plugins::build_plugin_units(cfg, env);
}

struct Run {
  std::string text;
  std::vector<CollectProblem> problems;
  double seconds = 0;
  bool has(const std::string& line) const { return text.find(line + "\n") != std::string::npos; }
  std::string problems_text() const {
    std::string s;
    for (const auto& p : problems) s += p.message + "\n";
    return s;
  }
};

Run collect(ScheduledCollector& u) {
  Run r;
  MetricSink sink;
  const auto start = std::chrono::steady_clock::now();
  u.collector->collect(CollectContext{start + u.timeout}, sink, r.problems);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, sink.take());
  r.text = out.str();
  return r;
}

std::string exec_entry(const std::string& name, const std::string& argv, const std::string& extra = "") {
  return "  exec:\n    - { name: " + name + ", command: [" + argv + "], interval: 10s, timeout: 2s" + extra + " }\n";
}

// A zombie (killed, waiting for a reaper that this container's PID 1 may never be) is not alive.
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

}  // namespace

BOOST_AUTO_TEST_CASE(check_dummy_every_exit_code) {
  for (int code = 0; code <= 3; ++code) {
    auto u = units(exec_entry("dummy", "\"" + kPlugins + "check_dummy\", \"" + std::to_string(code) + "\", \"hello\""));
    BOOST_REQUIRE_EQUAL(u.size(), 1u);
    BOOST_TEST(u[0].name == "exec/dummy");
    Run r = collect(u[0]);
    BOOST_TEST(r.has("hawatch_check_status{plugin=\"dummy\",check=\"dummy\"} " + std::to_string(code)), r.text);
    BOOST_TEST(r.has("hawatch_plugin_up{plugin=\"dummy\",check=\"dummy\"} 1"));
    BOOST_TEST(r.problems.empty(), r.problems_text());
  }
}

BOOST_AUTO_TEST_CASE(check_load_disk_procs_perfdata) {
  auto u = units(
      "  exec:\n"
      "    - { name: load, command: [" + kPlugins + "check_load, -w, '100,100,100', -c, '200,200,200'] }\n"
      "    - { name: disk, command: [" + kPlugins + "check_disk, -w, '1%', -c, '1%', -p, /] }\n"
      "    - { name: procs, command: [" + kPlugins + "check_procs, -w, '100000', -c, '200000'] }\n");
  BOOST_REQUIRE_EQUAL(u.size(), 3u);
  Run load = collect(u[0]);
  BOOST_TEST(load.has("hawatch_check_status{plugin=\"load\",check=\"load\"} 0"), load.text);
  BOOST_TEST(load.text.find("hawatch_check_perfdata{plugin=\"load\",check=\"load\",label=\"load1\"} ") != std::string::npos);
  BOOST_TEST(load.has("hawatch_check_perfdata_threshold{plugin=\"load\",check=\"load\",label=\"load1\",level=\"critical\",bound=\"upper\",alert=\"outside\"} 200"));
  Run disk = collect(u[1]);
  BOOST_TEST(disk.has("hawatch_check_status{plugin=\"disk\",check=\"disk\"} 0"), disk.text);
  // check_disk prints bytes ("B") for -p /: the value must equal statvfs' used bytes' order of magnitude.
  const auto space = std::filesystem::space("/");
  const std::string key = "hawatch_check_perfdata_bytes{plugin=\"disk\",check=\"disk\",label=\"/\"} ";
  const auto at = disk.text.find(key);
  BOOST_REQUIRE(at != std::string::npos);
  const double used = std::stod(disk.text.substr(at + key.size()));
  BOOST_TEST(used > 0);
  BOOST_TEST(used <= static_cast<double>(space.capacity));
  const std::string max_key = "hawatch_check_perfdata_max{plugin=\"disk\",check=\"disk\",label=\"/\"} ";
  BOOST_REQUIRE(disk.text.find(max_key) != std::string::npos);
  Run procs = collect(u[2]);
  BOOST_TEST(procs.has("hawatch_check_status{plugin=\"procs\",check=\"procs\"} 0"), procs.text);
  BOOST_TEST(procs.text.find("hawatch_check_perfdata{plugin=\"procs\",check=\"procs\",label=\"procs\"} ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(hang_is_killed_on_time_with_its_children) {
  const auto dir = std::filesystem::temp_directory_path() / ("hawatch-hang-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto pidfile = (dir / "child.pid").string();
  // The child ignores SIGTERM: only the SIGKILL to the whole group gets rid of it.
  auto u = units(exec_entry("hang", "/bin/sh, -c, \"(trap '' TERM; exec sleep 300) & echo $! > " + pidfile + "; sleep 300\""));
  Run r = collect(u[0]);
  BOOST_TEST(r.seconds < 2.5);
  BOOST_TEST(r.seconds > 1.0);
  BOOST_TEST(r.has("hawatch_plugin_up{plugin=\"hang\",check=\"hang\"} 0"), r.text);
  BOOST_TEST(r.has("hawatch_plugin_timeouts_total{plugin=\"hang\",check=\"hang\"} 1"));
  BOOST_TEST(r.has("hawatch_check_status{plugin=\"hang\",check=\"hang\"} 3"));
  BOOST_TEST(r.problems_text().find("timed out") != std::string::npos);
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  BOOST_REQUIRE(child > 0);
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(!process_alive(child), "the check's child " << child << " survived");
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(crash_garbage_big_output_and_bad_exit_codes) {
  auto crash = units(exec_entry("crash", "/bin/sh, -c, \"kill -SEGV $$\""));
  Run c = collect(crash[0]);
  BOOST_TEST(c.has("hawatch_plugin_up{plugin=\"crash\",check=\"crash\"} 0"), c.text);
  BOOST_TEST(c.problems_text().find("signal 11") != std::string::npos, c.problems_text());

  auto garbage = units(exec_entry("garbage", "/bin/sh, -c, \"head -c 3000 /dev/urandom; echo '| x=1 y=zz'\""));
  Run g = collect(garbage[0]);
  BOOST_TEST(g.has("hawatch_plugin_up{plugin=\"garbage\",check=\"garbage\"} 1"), g.text);
  BOOST_TEST(g.has("hawatch_check_status{plugin=\"garbage\",check=\"garbage\"} 0"));

  auto big = units(exec_entry("big", "/bin/sh, -c, \"yes xxxxxxxxx | head -c 10000000\""));
  Run b = collect(big[0]);
  BOOST_TEST(b.seconds < 2.0);
  BOOST_TEST(b.has("hawatch_plugin_up{plugin=\"big\",check=\"big\"} 1"), b.text);
  BOOST_TEST(b.problems_text().find("output longer than") != std::string::npos, b.problems_text());

  for (int code : {4, 17, 255}) {
    auto u = units(exec_entry("rc", "/bin/sh, -c, \"echo hi; exit " + std::to_string(code) + "\""));
    Run r = collect(u[0]);
    BOOST_TEST(r.has("hawatch_check_status{plugin=\"rc\",check=\"rc\"} 3"), r.text);
    BOOST_TEST(r.problems_text().find("exit code " + std::to_string(code)) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(prometheus_format_and_clean_environment) {
  const auto script = std::filesystem::temp_directory_path() / ("hawatch-env-" + std::to_string(::getpid()) + ".sh");
  {
    std::ofstream out(script);
    out << "#!/bin/sh\n"
           "echo '# TYPE env_vars gauge'\n"
           "echo \"env_vars $(env | grep -vc '^PWD=')\"\n"
           "echo \"check_name{n=\\\"$HAWATCH_CHECK\\\"} 1\"\n"
           "echo 'broken{'\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  auto u = units(exec_entry("env", script.string(), ", format: prometheus"));
  ::setenv("HAWATCH_TEST_SECRET", "leak", 1);
  Run r = collect(u[0]);
  BOOST_TEST(r.has("check_name{n=\"env\"} 1"), r.text);
  // PATH, LC_ALL and 7 HAWATCH_* variables: nothing of the test's environment (PWD is sh's own).
  BOOST_TEST(r.has("env_vars 9"), r.text);
  std::filesystem::remove(script);
  BOOST_TEST(r.problems_text().find("output line 4") != std::string::npos, r.problems_text());
  hawatch::plugins::ExecRequest req;
  req.argv = {"/usr/bin/env"};
  req.environment = {"A=1", "HAWATCH_X=2"};
  req.deadline = std::chrono::steady_clock::now() + 2s;
  auto res = hawatch::plugins::run_command(req);
  BOOST_TEST(res.output == "A=1\nHAWATCH_X=2\n");
  auto fail = units(exec_entry("fail", "/bin/false", ", format: prometheus"));
  Run f = collect(fail[0]);
  BOOST_TEST(f.has("hawatch_plugin_up{plugin=\"fail\",check=\"fail\"} 0"), f.text);
}

BOOST_AUTO_TEST_CASE(missing_program_and_backoff) {
  auto u = units(exec_entry("gone", "/nonexistent/check"));
  Run r1 = collect(u[0]);
  BOOST_TEST(r1.has("hawatch_plugin_up{plugin=\"gone\",check=\"gone\"} 0"));
  BOOST_TEST(r1.problems_text().find("/nonexistent/check") != std::string::npos);
  Run r2 = collect(u[0]);  // the first failure retries on schedule
  BOOST_TEST(r2.has("hawatch_plugin_consecutive_failures{plugin=\"gone\",check=\"gone\"} 2"), r2.text);
  Run r3 = collect(u[0]);  // now in backoff: not run, still reported (series do not vanish)
  BOOST_TEST(r3.problems_text().find("backing off") != std::string::npos, r3.problems_text());
  BOOST_TEST(r3.has("hawatch_plugin_up{plugin=\"gone\",check=\"gone\"} 0"));
}

BOOST_AUTO_TEST_CASE(config_errors_with_positions) {
  auto errors = [](const std::string& yaml) {
    try {
      units(yaml);
    } catch (const ConfigError& e) {
      std::string s;
      for (const auto& d : e.diagnostics()) s += d.to_string() + "\n";
      return s;
    }
    return std::string();
  };
  std::string e = errors("  exec:\n    - { name: a, command: [check_load] }\n");
  BOOST_TEST(e.find("test.yml:4:27:") != std::string::npos, e);
  BOOST_TEST(e.find("absolute program path") != std::string::npos, e);
  e = errors("  exec:\n    - { name: a, command: [/bin/true], format: xml }\n");
  BOOST_TEST(e.find("format") != std::string::npos, e);
  e = errors("  exec:\n    - { name: a, command: [/bin/true] }\n    - { name: a, command: [/bin/true] }\n");
  BOOST_TEST(e.find("duplicate plugin name") != std::string::npos, e);
  e = errors("  load:\n    - { name: p, file: x.so }\n");
  BOOST_TEST(e.find("plugins.directory") != std::string::npos, e);
  e = errors("  textfile_directory: relative\n  bogus: 1\n");
  BOOST_TEST(e.find("absolute") != std::string::npos, e);
  BOOST_TEST(e.find("bogus") != std::string::npos, e);
  e = errors("  exec:\n    - { name: 'a b', command: [/bin/true], interval: 1s, timeout: 5s }\n");
  BOOST_TEST(e.find("may only contain") != std::string::npos, e);
  BOOST_TEST(e.find("longer than its interval") != std::string::npos, e);
}

// Nested aliases under a plugin's config expand to 9^9 settings (a 686-byte file once grew the
// daemon until the kernel killed it): refused with the position of the offending node.
BOOST_AUTO_TEST_CASE(alias_bomb_in_plugin_config_is_refused) {
  std::string yaml = "  load:\n    - name: p\n      file: /nonexistent/p.so\n      config:\n";
  yaml += "        a: &a [x, x, x, x, x, x, x, x, x]\n";
  const char* names = "abcdefghi";
  for (int i = 1; i < 9; ++i) {
    yaml += std::string("        ") + names[i] + ": &" + names[i] + " [";
    for (int k = 0; k < 9; ++k) yaml += std::string(k ? ", " : "") + "*" + names[i - 1];
    yaml += "]\n";
  }
  std::string errors;
  try {
    units(yaml);
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) errors += d.to_string() + "\n";
  }
  BOOST_TEST(errors.find("test.yml:") != std::string::npos, errors);
  BOOST_TEST(errors.find("nested aliases") != std::string::npos, errors);
}

namespace {

pid_t read_pid(const std::filesystem::path& file) {
  std::ifstream in(file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// Gone and reaped: no process (not even a zombie) has that pid.
bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

// A check child that calls setsid leaves the process group that is killed; it must still not
// outlive the check, whether the check exits or times out.
BOOST_AUTO_TEST_CASE(setsid_children_do_not_outlive_their_check) {
  for (const std::string mode : {"exit", "hang"}) {
    const auto pidfile = std::filesystem::temp_directory_path() /
                         ("hawatch-escaped-" + std::to_string(::getpid()) + "-" + mode);
    std::filesystem::remove(pidfile);
    plugins::ExecRequest req;
    req.argv = {
        "/bin/sh",
        "-c",
        "setsid sh -c 'sleep 3000 & echo $! >\"$1\"' inner \"$1\" </dev/null >/dev/null 2>&1 &"
        " wait; [ \"$2\" = hang ] && sleep 3000; echo done",
        "sh",
        pidfile.string(),
        mode};
    req.environment = {"PATH=/usr/bin:/bin"};
    req.deadline = std::chrono::steady_clock::now() + 1s;
    req.kill_grace = 200ms;
    const auto res = plugins::run_command(req);
    BOOST_TEST(res.timed_out == (mode == "hang"), mode);
    const pid_t escaped = read_pid(pidfile);
    BOOST_REQUIRE_MESSAGE(escaped > 0, mode << ": the check wrote no pid");
    const bool was_gone = gone(escaped);
    if (!was_gone) ::kill(escaped, SIGKILL);  // not left to run for an hour after a failure
    BOOST_TEST(was_gone, mode << ": the setsid child " << escaped << " outlived its check");
    std::filesystem::remove(pidfile);
  }
}

BOOST_AUTO_TEST_CASE(plugin_config_settings_are_bounded) {
  std::string yaml =
      "  load:\n    - name: p\n      file: /nonexistent/p.so\n      config:\n        list: [";
  for (int i = 0; i < 10001; ++i) yaml += i ? ",1" : "1";
  yaml += "]\n";
  std::string errors;
  try {
    units(yaml);
  } catch (const ConfigError& e) {
    for (const auto& d : e.diagnostics()) errors += d.to_string() + "\n";
  }
  BOOST_TEST(errors.find("test.yml:") != std::string::npos, errors);
  BOOST_TEST(errors.find("more than 10000 settings") != std::string::npos, errors);
}
