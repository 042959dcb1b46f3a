// The exec integration: variable names and values (hostile bytes passed verbatim, bounds), the
// spool envelope, the config reader's errors with positions, and delivery through real
// commands: argv and labels never interpreted by a shell, the stdin message, the minimal
// environment, the exit table, a command that does not read its stdin, and a hanging command
// killed at the timeout together with its setsid grandchild. From the shell: test_exec_receiver.sh.
#define BOOST_TEST_MODULE alert_exec
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "contains.h"
#include "receivers/exec/exec.h"
#include "runtime/exec_runner.h"
#include "temp_dir.h"

using namespace hawatch;
using namespace hawatch::alerting;
using hawatch::test::contains;
using namespace std::chrono_literals;
using Outcome = DeliveryResult::Outcome;

namespace {
const Time t0{std::chrono::seconds(1'800'000'000)};
// Everything a shell would act on, and bytes that are not UTF-8.
const std::string kHostile =
    std::string("a b 'q' \"dq\" ; rm -rf / $(id) `id` $HOME\nline2 \xff\xfe end");

NotifyContext context() {
  return {t0,
          "{}:{alertname=\"A\"}",
          {{"alertname", "A"}, {"site", kHostile}},
          "team x",
          4h,
          {},
          {},
          {},
          {}};
}

std::vector<Alert> alerts(int n) {
  std::vector<Alert> out;
  for (int i = 0; i < n; ++i) {
    Alert a;
    a.labels = {{"alertname", "A"}, {"i", std::to_string(i)}, {"site", kHostile}};
    a.annotations = {{"summary", "down; $(reboot)"}};
    a.starts_at = t0 - 1min;
    if (i == 1) a.ends_at = t0 - 1s;
    out.push_back(a);
  }
  return out;
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
  for (const auto& e : env)
    if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
  return "<unset>";
}

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

ExecConfig config_for(std::vector<std::string> argv, Duration timeout = 5s) {
  ExecConfig c;
  c.command = std::move(argv);
  c.timeout = timeout;
  return c;
}

std::string errors_of(const std::string& yaml) {
  ConfigContext ctx("alerting.yml");
  read_exec_config(parse_yaml(yaml, ctx), ctx, "receivers[0].exec_configs[0]");
  std::string all;
  for (const auto& d : ctx.diagnostics()) all += d.to_string() + "\n";
  return all;
}

bool gone(pid_t pid) {
  return ::kill(pid, 0) != 0 && errno == ESRCH;
}
}  // namespace

BOOST_AUTO_TEST_CASE(label_names_become_variable_names) {
  BOOST_TEST(env_name_part("alertname") == "ALERTNAME");
  BOOST_TEST(env_name_part("Foo_9") == "FOO_9");
  BOOST_TEST(env_name_part("a-b.c d\xc3\xa4") == "A_B_C_D__");
  BOOST_TEST(env_name_part("$(x)") == "__X_");
}

BOOST_AUTO_TEST_CASE(message_environment_holds_values_verbatim) {
  const ExecMessage m = make_exec_message(context(), alerts(3), {"http://hawatch:9184", 0});
  const auto& e = m.environment;
  BOOST_TEST(env_value(e, "HAWATCH_RECEIVER") == "team x");
  BOOST_TEST(env_value(e, "HAWATCH_STATUS") == "firing");
  BOOST_TEST(env_value(e, "HAWATCH_GROUP_KEY") == "{}:{alertname=\"A\"}");
  BOOST_TEST(env_value(e, "HAWATCH_ALERTS") == "3");
  BOOST_TEST(env_value(e, "HAWATCH_ALERTS_FIRING") == "2");
  BOOST_TEST(env_value(e, "HAWATCH_ALERTS_RESOLVED") == "1");
  BOOST_TEST(env_value(e, "HAWATCH_ALERTS_TRUNCATED") == "0");
  BOOST_TEST(env_value(e, "HAWATCH_EXTERNAL_URL") == "http://hawatch:9184");
  BOOST_TEST(env_value(e, "HAWATCH_GROUP_LABEL_ALERTNAME") == "A");
  BOOST_TEST(env_value(e, "HAWATCH_GROUP_LABEL_SITE") == kHostile);  // byte for byte
  BOOST_TEST(env_value(e, "HAWATCH_COMMON_LABEL_SITE") == kHostile);
  BOOST_TEST(env_value(e, "HAWATCH_COMMON_LABEL_I") == "<unset>");  // differs between alerts
  BOOST_TEST(env_value(e, "HAWATCH_COMMON_ANNOTATION_SUMMARY") == "down; $(reboot)");
  BOOST_TEST(env_value(e, "HAWATCH_ENV_TRUNCATED") == "<unset>");
  // stdin is the webhook message, valid JSON (the odd bytes as U+FFFD).
  Poco::JSON::Parser parser;
  const auto o = parser.parse(m.input).extract<Poco::JSON::Object::Ptr>();
  BOOST_TEST(o->getValue<std::string>("version") == "4");
  BOOST_TEST(o->getArray("alerts")->size() == 3u);
}

BOOST_AUTO_TEST_CASE(message_bounds_collisions_and_truncation) {
  NotifyContext ctx = context();
  ctx.group_labels = {{"a-b", "first"},
                      {"a_b", "second"},
                      {"big", std::string(10000, 'x')},
                      {"nul", std::string("before\0after", 12)}};
  for (int i = 0; i < 200; ++i) ctx.group_labels["l" + std::to_string(i)] = std::string(1000, 'v');
  std::vector<Alert> three = alerts(3);
  const ExecMessage m = make_exec_message(ctx, three, {"", 2});
  const auto& e = m.environment;
  BOOST_TEST(env_value(e, "HAWATCH_GROUP_LABEL_A_B") == "first");  // sorted: "a-b" < "a_b"
  BOOST_TEST(env_value(e, "HAWATCH_GROUP_LABEL_BIG").size() == kMaxEnvValueBytes);
  BOOST_TEST(env_value(e, "HAWATCH_GROUP_LABEL_NUL") == "before");
  BOOST_TEST(env_value(e, "HAWATCH_ENV_TRUNCATED") == "1");
  BOOST_TEST(env_value(e, "HAWATCH_ALERTS_TRUNCATED") == "1");
  BOOST_TEST(env_value(e, "HAWATCH_ALERTS") == "3");
  std::size_t bytes = 0;
  for (const auto& v : e) bytes += v.size() + 1;
  BOOST_TEST(bytes <= kMaxEnvBytes + 1024);  // the label variables stop at the bound
  BOOST_TEST(env_value(e, "HAWATCH_GROUP_LABEL_L99") == "<unset>");
}

BOOST_AUTO_TEST_CASE(envelope_round_trip_and_corruption) {
  ExecMessage m{{"A=1", std::string("B=x\ny\xff=z"), "C="}, std::string("{\"k\":\n\"\0\"}", 10)};
  const std::string body = encode_exec_message(m);
  const auto back = decode_exec_message(body);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->environment == m.environment);
  BOOST_TEST(back->input == m.input);
  BOOST_TEST(!decode_exec_message("").has_value());
  BOOST_TEST(!decode_exec_message("{\"receiver\":\"x\"}").has_value());
  for (std::size_t cut = 0; cut < body.size(); ++cut)
    BOOST_TEST(!decode_exec_message(std::string_view(body).substr(0, cut)).has_value(), cut);
  BOOST_TEST(!decode_exec_message(body + "x").has_value());
  std::string huge = body;
  huge.replace(huge.find("env 3"), 5, "env 99999999999999999999");
  BOOST_TEST(!decode_exec_message(huge).has_value());
}

BOOST_AUTO_TEST_CASE(config_reader_and_its_errors) {
  ConfigContext ctx("alerting.yml");
  const ExecConfig c = read_exec_config(
      parse_yaml("{command: [sh, -c, 'exit 0', '$(id)'], timeout: 3s, send_resolved: false,"
                 " max_alerts: 5, env: {SITE: amslpr, lower_ok: '1'}, working_directory: /tmp,"
                 " external_url: 'http://h:9184'}",
                 ctx),
      ctx, "e");
  BOOST_TEST(ctx.ok());
  BOOST_TEST((c.command.front() == "/usr/bin/sh" || c.command.front() == "/bin/sh"),
             c.command.front());
  BOOST_TEST(c.command.back() == "$(id)");
  BOOST_TEST(c.timeout.count() == 3000);
  BOOST_TEST(!c.send_resolved);
  BOOST_TEST(c.max_alerts == 5u);
  BOOST_TEST(c.env.at("SITE") == "amslpr");
  BOOST_TEST(c.working_directory == "/tmp");

  ConfigContext d("alerting.yml");
  const ExecConfig defaults = read_exec_config(parse_yaml("{command: [/bin/true]}", d), d, "e");
  BOOST_TEST(d.ok());
  BOOST_TEST(defaults.timeout.count() == 10000);
  BOOST_TEST(defaults.send_resolved);

  BOOST_TEST(contains(errors_of("{timeout: 1s}"),
                      "alerting.yml:1:1: receivers[0].exec_configs[0].command is required"),
             errors_of("{timeout: 1s}"));
  BOOST_TEST(contains(errors_of("{command: []}"), "must start with a program"));
  BOOST_TEST(contains(errors_of("{command: [bin/x]}"), "must be an absolute path or a bare name"));
  BOOST_TEST(contains(errors_of("{command: [no-such-program-here]}"), "is not an executable in"));
  BOOST_TEST(contains(errors_of("{command: /bin/true}"), "command"));
  BOOST_TEST(contains(errors_of("{command: [\"/bin/tr\\0ue\"]}"), "NUL byte"));
  const std::string env_errors = errors_of(
      "command: [/bin/true]\nenv:\n  PATH: /tmp\n  HAWATCH_X: 1\n  'A-B': 1\n  OK: [1]\n");
  BOOST_TEST(
      contains(env_errors, "alerting.yml:3:3: receivers[0].exec_configs[0].env: PATH is set by"),
      env_errors);
  BOOST_TEST(contains(env_errors, "alerting.yml:4:3: "), env_errors);
  BOOST_TEST(contains(env_errors, "\"A-B\" is not a variable name"), env_errors);
  BOOST_TEST(contains(env_errors, "env.OK must be a string"), env_errors);
  BOOST_TEST(
      contains(errors_of("{command: [/bin/true], timeout: 0s}"), "timeout must be positive"));
  BOOST_TEST(
      contains(errors_of("{command: [/bin/true], working_directory: tmp}"), "absolute path"));
  BOOST_TEST(contains(errors_of("{command: [/bin/true], shell: true}"), "shell"));
}

BOOST_AUTO_TEST_CASE(builder_adds_one_integration_per_entry) {
  ConfigContext ctx("alerting.yml");
  std::vector<std::shared_ptr<Integration>> list;
  add_exec_integrations(parse_yaml("[{command: [/bin/true]}, {command: [/bin/false]}]", ctx), ctx,
                        "r.exec_configs", list);
  BOOST_TEST(ctx.ok());
  BOOST_REQUIRE(list.size() == 2u);
  BOOST_TEST(list[1]->kind() == "exec");
  add_exec_integrations(YAML::Node(), ctx, "r", list);
  BOOST_TEST(list.size() == 2u);
  add_exec_integrations(parse_yaml("{command: [/bin/true]}", ctx), ctx, "r.exec_configs", list);
  BOOST_TEST(!ctx.ok());
}

// A script records its argv, environment and stdin; nothing in them is run.
BOOST_AUTO_TEST_CASE(delivery_passes_argv_env_and_stdin_verbatim) {
  test::TempDir dir;
  const auto out = dir.path / "out";
  std::filesystem::create_directory(out);
  const auto s =
      script(dir, "record.sh",
             "cat >\"$OUT/stdin\"\n"
             "i=0; for a in \"$@\"; do printf '%s' \"$a\" >\"$OUT/arg$i\"; i=$((i+1)); done\n"
             "printf '%s' \"$HAWATCH_GROUP_LABEL_SITE\" >\"$OUT/site\"\n"
             "env >\"$OUT/env\"\n"
             "pwd >\"$OUT/pwd\"\n");
  ExecConfig c =
      config_for({s.string(), kHostile, "--", "$(touch " + (dir.path / "pwned").string() + ")"});
  c.env = {{"OUT", out.string()}};
  c.working_directory = dir.path.string();
  ExecIntegration exec(c);
  ::setenv("HAWATCH_TEST_LEAK", "leak", 1);
  const std::string body = exec.render(context(), alerts(2));
  const DeliveryResult r = exec.deliver(body, "key-123");
  BOOST_TEST((r.outcome == Outcome::delivered), r.detail);
  BOOST_TEST(read_file(out / "arg0") == kHostile);
  BOOST_TEST(read_file(out / "arg2") == c.command[3]);
  BOOST_TEST(!std::filesystem::exists(dir.path / "pwned"));
  BOOST_TEST(read_file(out / "site") == kHostile);
  BOOST_TEST(read_file(out / "stdin") == decode_exec_message(body)->input);
  BOOST_TEST(read_file(out / "pwd") == dir.path.string() + "\n");
  const std::string env = read_file(out / "env");
  BOOST_TEST(contains(env, "HAWATCH_IDEMPOTENCY_KEY=key-123\n"), env);
  BOOST_TEST(contains(env, std::string("PATH=") + kExecPath + "\n"), env);
  BOOST_TEST(contains(env, "HAWATCH_RECEIVER=team x\n"), env);
  BOOST_TEST(!contains(env, "HAWATCH_TEST_LEAK"), env);
  BOOST_TEST(!contains(env, "HOME="), env);
  // A spooled body sets HAWATCH_* variables only, never PATH or the configured ones.
  const ExecMessage forged{{"PATH=/tmp/evil", "OUT=/tmp/elsewhere", "HAWATCH_X=1"}, "{}"};
  BOOST_TEST((exec.deliver(encode_exec_message(forged), "k2").outcome == Outcome::delivered));
  const std::string env2 = read_file(out / "env");
  BOOST_TEST(contains(env2, std::string("PATH=") + kExecPath + "\n"), env2);
  BOOST_TEST(contains(env2, "HAWATCH_X=1\n"), env2);
  BOOST_TEST(!contains(env2, "/tmp/evil"), env2);
}

BOOST_AUTO_TEST_CASE(exit_codes_map_onto_outcomes) {
  test::TempDir dir;
  const auto s = script(
      dir, "exit.sh",
      "echo to-stdout; echo \"to-stderr $1\" >&2; [ \"$1\" = sig ] && kill -9 $$; exit \"$1\"\n");
  auto run = [&](const std::string& arg) {
    ExecIntegration exec(config_for({s.string(), arg}));
    return exec.deliver(exec.render(context(), alerts(1)), "k");
  };
  BOOST_TEST((run("0").outcome == Outcome::delivered));
  for (const char* code : {"1", "2", "75", "69", "127"}) {
    const DeliveryResult r = run(code);
    BOOST_TEST((r.outcome == Outcome::retry), code << ": " << r.detail);
    BOOST_TEST(contains(r.detail, std::string("exit ") + code), r.detail);
    BOOST_TEST(contains(r.detail, std::string("stderr: to-stderr ") + code), r.detail);
    BOOST_TEST(contains(r.detail, "stdout: to-stdout"), r.detail);
  }
  for (const char* code : {"64", "65", "77"})
    BOOST_TEST((run(code).outcome == Outcome::permanent), code);
  const DeliveryResult killed = run("sig");
  BOOST_TEST((killed.outcome == Outcome::retry), killed.detail);
  BOOST_TEST(contains(killed.detail, "signal 9"), killed.detail);
  ExecIntegration missing(config_for({(dir.path / "missing").string()}));
  const DeliveryResult m = missing.deliver(missing.render(context(), alerts(1)), "k");
  BOOST_TEST((m.outcome == Outcome::retry), m.detail);
  BOOST_TEST(contains(m.detail, "cannot start"), m.detail);
  BOOST_TEST((missing.deliver("garbage", "k").outcome == Outcome::permanent));
  ExecConfig no_dir = config_for({"/bin/true"});
  no_dir.working_directory = (dir.path / "gone").string();
  ExecIntegration in_no_dir(no_dir);
  const DeliveryResult d = in_no_dir.deliver(in_no_dir.render(context(), alerts(1)), "k");
  BOOST_TEST((d.outcome == Outcome::retry), d.detail);
  BOOST_TEST(contains(d.detail, "working directory " + no_dir.working_directory), d.detail);
}

// A command that exits without reading a large stdin is an EPIPE for the runner, not a SIGPIPE
// that ends the process.
BOOST_AUTO_TEST_CASE(command_ignoring_its_stdin) {
  ExecIntegration exec(config_for({"/bin/true"}));
  ExecMessage m{{}, std::string(4 << 20, 'x')};
  const DeliveryResult r = exec.deliver(encode_exec_message(m), "k");
  BOOST_TEST((r.outcome == Outcome::delivered), r.detail);
  BOOST_TEST(contains(r.detail, "did not read all of stdin"), r.detail);
}

BOOST_AUTO_TEST_CASE(hanging_command_is_killed_with_its_setsid_grandchild) {
  test::TempDir dir;
  const auto pidfile = dir.path / "grandchild.pid";
  const auto s = script(
      dir, "hang.sh",
      "trap '' TERM\n"  // ignores SIGTERM: only SIGKILL ends it
      "setsid sh -c 'echo $$ >\"$1\"; exec sleep 3000' inner \"$1\" </dev/null >/dev/null 2>&1 &\n"
      "sleep 3000\n");
  ExecIntegration exec(config_for({s.string(), pidfile.string()}, 600ms));
  const auto started = std::chrono::steady_clock::now();
  const DeliveryResult r = exec.deliver(exec.render(context(), alerts(1)), "k");
  const auto took = std::chrono::steady_clock::now() - started;
  BOOST_TEST((r.outcome == Outcome::retry), r.detail);
  BOOST_TEST(contains(r.detail, "timed out after 0.6"), r.detail);
  BOOST_TEST(took >= 600ms);
  BOOST_TEST(took < 3s);
  pid_t grandchild = 0;
  std::ifstream(pidfile) >> grandchild;
  BOOST_REQUIRE_MESSAGE(grandchild > 0, "the script wrote no pid");
  const bool was_gone = gone(grandchild);
  if (!was_gone) ::kill(grandchild, SIGKILL);
  BOOST_TEST(was_gone, "the setsid grandchild " << grandchild << " outlived the timeout");
}
