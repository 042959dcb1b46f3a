// The `update:` reader (exactly one hook kind, errors at FILE:LINE:COL) and the exec hook: the
// argv template, hostile values (spaces, quotes, `;`, `$()`, backquotes, newlines, odd bytes)
// arriving verbatim as one argument each and in the environment, the exit code table, the query
// command, and a hanging command killed with its process group at the timeout.
#define BOOST_TEST_MODULE dns_exec_hook
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "contains.h"
#include "hooks/exec/argv_template.h"
#include "hooks/exec/exec_updater.h"
#include "hooks/update_reader.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting::failover;
using hawatch::test::contains;
using namespace std::chrono_literals;

namespace hawatch::alerting::failover {
// For Boost.Test's messages.
std::ostream& operator<<(std::ostream& out, UpdateResult r) {
  return out << to_string(r);
}
}  // namespace hawatch::alerting::failover

namespace {
const std::string kHostile =
    "a b 'q' \"dq\" ; rm -rf / $(id) `id` $HOME {{new}}\nline2 \xff\xfe end";

const RecordRef kRecord{"example.test", "vip.example.test", "A", 30};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path script(const test::TempDir& dir, const std::string& name,
                             const std::string& body) {
  const auto path = dir.path / name;
  std::ofstream(path) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  return path;
}

struct Read {
  std::unique_ptr<DnsUpdater> updater;
  std::string errors;
};

Read read(const std::string& yaml) {
  ConfigContext ctx("hawatch.yml");
  Read r;
  r.updater = read_dns_updater(parse_yaml(yaml, ctx), ctx, "failover[0].update");
  for (const auto& d : ctx.diagnostics()) r.errors += d.to_string() + "\n";
  return r;
}

// Single-quoted YAML scalar of `path` (test paths hold no quotes).
std::string q(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}
}  // namespace

BOOST_AUTO_TEST_CASE(argv_template_whole_and_substring_placeholders) {
  std::string error;
  const auto t = ArgvTemplate::parse(
      {"/bin/x", "{{zone}}", "--name={{ name }}", "{{type}}/{{ttl}}", "{{old}}{{new}}", "plain"},
      error);
  BOOST_REQUIRE_MESSAGE(t.has_value(), error);
  const auto argv = t->expand({"z", "n", "A", "30", "1.1.1.1", kHostile});
  BOOST_TEST(argv == (std::vector<std::string>{"/bin/x", "z", "--name=n", "A/30",
                                               "1.1.1.1" + kHostile, "plain"}),
             boost::test_tools::per_element());
  BOOST_TEST(!ArgvTemplate::parse({"/bin/x", "{{nmae}}"}, error).has_value());
  BOOST_TEST(contains(error, "unknown placeholder {{nmae}}"), error);
  BOOST_TEST(!ArgvTemplate::parse({"/bin/x", "a{{zone"}, error).has_value());
  BOOST_TEST(contains(error, "without \"}}\""), error);
  BOOST_TEST(!ArgvTemplate::parse({"/bin/x", "{{old}}"}, error, {TemplateField::old_value}));
  BOOST_TEST(contains(error, "{{old}} has no value here"), error);
}

BOOST_AUTO_TEST_CASE(reader_needs_exactly_one_kind) {
  auto r = read("{}");
  BOOST_TEST(!r.updater);
  BOOST_TEST(contains(r.errors, "hawatch.yml:1:1: failover[0].update needs exactly one of exec"),
             r.errors);
  r = read("exec: {command: [/bin/true]}\nfrobnicate: {}\n");
  BOOST_TEST(!r.updater);
  BOOST_TEST(contains(r.errors, "hawatch.yml:2:1:"), r.errors);
  BOOST_TEST(contains(r.errors, "frobnicate"), r.errors);
  r = read("[1, 2]");
  BOOST_TEST(!r.updater);
  BOOST_TEST(contains(r.errors, "hawatch.yml:1:1:"), r.errors);
  r = read("exec: {command: [/bin/true]}");
  BOOST_TEST(r.errors == "");
  BOOST_REQUIRE(r.updater);
  BOOST_TEST(r.updater->kind() == "exec");
}

BOOST_AUTO_TEST_CASE(exec_reader_errors_with_positions) {
  const auto e = [](const std::string& yaml) { return read(yaml).errors; };
  BOOST_TEST(contains(e("exec: {timeout: 1s}"),
                      "hawatch.yml:1:7: failover[0].update.exec.command is required"),
             e("exec: {timeout: 1s}"));
  BOOST_TEST(contains(e("exec: {command: []}"), "must start with a program"));
  BOOST_TEST(contains(e("exec: {command: [bin/x]}"), "must be an absolute path or an executable"));
  BOOST_TEST(contains(e("exec: {command: [no-such-program-here]}"), "must be an absolute path"));
  BOOST_TEST(contains(e("exec: {command: ['{{zone}}']}"), "cannot be a placeholder"));
  BOOST_TEST(contains(e("exec:\n  command: [/bin/true, '{{nmae}}']\n"),
                      "hawatch.yml:2:12: failover[0].update.exec.command: argument 1"),
             e("exec:\n  command: [/bin/true, '{{nmae}}']\n"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], query_command: [/bin/echo, '{{new}}']}"),
                      "query_command: argument 1 (\"{{new}}\"): {{new}} has no value here"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], timeout: 0s}"), "must be positive"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], timeout: 2h}"), "at most 1h"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], env: {PATH: x}}"), "cannot be overridden"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], env: {HAWATCH_DNS_NEW: x}}"),
                      "cannot be overridden"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], env: {'a-b': x}}"), "not a variable name"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], working_directory: tmp}"), "absolute path"));
  BOOST_TEST(contains(e("exec: {command: [/bin/true], shell: true}"), "shell"));
  BOOST_TEST(contains(e("exec: {command: [\"/bin/tr\\0ue\"]}"), "NUL byte"));
  // A bare name is resolved in the fixed PATH when the config is read.
  BOOST_TEST(e("exec: {command: [true]}") == "");
}

BOOST_AUTO_TEST_CASE(hostile_values_arrive_verbatim_as_arguments_and_environment) {
  test::TempDir dir;
  // Each argument on its own NUL-terminated record, so a newline inside one stays visible.
  const auto cmd = script(dir, "set.sh",
                          "for a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$OUT/args\"\n"
                          "env > \"$OUT/env\"\n"
                          "printf '%s' \"$HAWATCH_DNS_NEW\" > \"$OUT/new\"\n"
                          "printf '%s' \"$HAWATCH_DNS_OLD\" > \"$OUT/old\"\n");
  auto r = read("exec:\n  command: [" + q(cmd) +
                ", '{{zone}}', '{{name}}', '{{type}}', '{{ttl}}', 'old={{old}}', '{{new}}']\n"
                "  env: {OUT: " +
                q(dir.path) + "}\n");
  BOOST_REQUIRE_MESSAGE(r.updater, r.errors);
  const auto out = r.updater->compare_and_swap(kRecord, "192.0.2.10; $(reboot)", kHostile);
  BOOST_TEST(out.result == UpdateResult::ok, out.detail);
  const std::string args = read_file(dir.path / "args");
  using namespace std::string_literals;
  const std::string expected =
      "example.test\0vip.example.test\0A\0"
      "30\0old=192.0.2.10; $(reboot)\0"s +
      kHostile + "\0"s;
  BOOST_TEST(args == expected);
  BOOST_TEST(read_file(dir.path / "new") == kHostile);
  BOOST_TEST(read_file(dir.path / "old") == "192.0.2.10; $(reboot)");
  const std::string env = read_file(dir.path / "env");
  BOOST_TEST(contains(env, "HAWATCH_DNS_ZONE=example.test\n"));
  BOOST_TEST(contains(env, "HAWATCH_DNS_NAME=vip.example.test\n"));
  BOOST_TEST(contains(env, "HAWATCH_DNS_TYPE=A\n"));
  BOOST_TEST(contains(env, "HAWATCH_DNS_TTL=30\n"));
  BOOST_TEST(contains(env, "HAWATCH_DNS_MODE=update\n"));
  BOOST_TEST(!contains(env, "HOME="));  // nothing of ours leaks into the command
  // A NUL cannot pass execve: refused before anything runs.
  const auto nul = r.updater->compare_and_swap(kRecord, "a", std::string("b\0c", 3));
  BOOST_TEST(nul.result == UpdateResult::error);
  BOOST_TEST(contains(nul.detail, "NUL"));
}

BOOST_AUTO_TEST_CASE(exit_codes_map_to_results) {
  test::TempDir dir;
  const auto cmd = script(dir, "exit.sh", "echo \"said $1\" >&2; exit \"$1\"\n");
  const std::vector<std::pair<std::string, UpdateResult>> table{
      {"0", UpdateResult::ok},       {"10", UpdateResult::cas_lost}, {"11", UpdateResult::refused},
      {"12", UpdateResult::notauth}, {"13", UpdateResult::servfail}, {"14", UpdateResult::timeout},
      {"1", UpdateResult::error},    {"2", UpdateResult::error},     {"127", UpdateResult::error}};
  for (const auto& [code, expected] : table) {
    auto r = read("exec: {command: [" + q(cmd) + ", '" + code + "']}");
    BOOST_REQUIRE_MESSAGE(r.updater, r.errors);
    const auto out = r.updater->compare_and_swap(kRecord, "192.0.2.10", "192.0.2.20");
    BOOST_TEST(out.result == expected, code << ": " << out.detail);
    BOOST_TEST(contains(out.detail, "exit " + code), out.detail);
    BOOST_TEST(contains(out.detail, "stderr: said " + code), out.detail);
  }
  auto killed = read("exec: {command: [" + q(script(dir, "kill.sh", "kill -9 $$\n")) + "]}");
  BOOST_REQUIRE(killed.updater);
  const auto k = killed.updater->compare_and_swap(kRecord, "a", "b");
  BOOST_TEST(k.result == UpdateResult::error);
  BOOST_TEST(contains(k.detail, "signal 9"), k.detail);
}

BOOST_AUTO_TEST_CASE(timeout_kills_the_process_group) {
  test::TempDir dir;
  const auto pidfile = dir.path / "child.pid";
  const auto cmd = script(dir, "hang.sh",
                          "sleep 60 & echo $! > '" + pidfile.string() +
                              "'\n"
                              "trap '' TERM\nwait\n");
  auto r = read("exec: {command: [" + q(cmd) + "], timeout: 300ms}");
  BOOST_REQUIRE_MESSAGE(r.updater, r.errors);
  const auto start = std::chrono::steady_clock::now();
  const auto out = r.updater->compare_and_swap(kRecord, "192.0.2.10", "192.0.2.20");
  const auto took = std::chrono::steady_clock::now() - start;
  BOOST_TEST(out.result == UpdateResult::timeout, out.detail);
  BOOST_TEST(contains(out.detail, "process group killed"), out.detail);
  BOOST_TEST(took < 3s);
  const pid_t child = std::stoi(read_file(pidfile));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = ::kill(child, 0) != 0 && errno == ESRCH;
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  BOOST_TEST(gone);
}

BOOST_AUTO_TEST_CASE(query_command_gives_current_values) {
  test::TempDir dir;
  const auto query = script(dir, "get.sh",
                            "[ \"$HAWATCH_DNS_MODE\" = query ] || exit 3\n"
                            "[ \"$1\" = vip.example.test ] || exit 4\n"
                            "printf ' 192.0.2.10 \\r\\n\\n192.0.2.11\\n'\n");
  auto r = read("exec: {command: [/bin/true], query_command: [" + q(query) + ", '{{name}}']}");
  BOOST_REQUIRE_MESSAGE(r.updater, r.errors);
  std::string error;
  const auto values = r.updater->current(kRecord, error);
  BOOST_REQUIRE_MESSAGE(values.has_value(), error);
  BOOST_TEST(*values == (std::vector<std::string>{"192.0.2.10", "192.0.2.11"}),
             boost::test_tools::per_element());

  auto failing = read("exec: {command: [/bin/true], query_command: [/bin/false]}");
  BOOST_REQUIRE(failing.updater);
  BOOST_TEST(!failing.updater->current(kRecord, error).has_value());
  BOOST_TEST(contains(error, "query_command: exit 1"), error);

  const auto flood =
      script(dir, "flood.sh", "i=0; while [ $i -lt 100 ]; do echo x; i=$((i+1)); done\n");
  auto many = read("exec: {command: [/bin/true], query_command: [" + q(flood) + "]}");
  BOOST_REQUIRE(many.updater);
  BOOST_TEST(!many.updater->current(kRecord, error).has_value());
  BOOST_TEST(contains(error, "more than 64 values"), error);

  auto none = read("exec: {command: [/bin/true]}");
  BOOST_REQUIRE(none.updater);
  BOOST_TEST(!none.updater->current(kRecord, error).has_value());
  BOOST_TEST(contains(error, "no query_command"), error);
}
