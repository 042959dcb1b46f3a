// Command-line flags, node_exporter style: every value flag in both the --flag=value and the
// --flag value form, the boolean flags, collector switches, and every way to get it wrong, each
// rejected with a message naming the flag.
#define BOOST_TEST_MODULE cli
#include "contains.h"
#include "daemon/cli.h"

#include <boost/test/unit_test.hpp>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace hawatch;

namespace {

using Args = std::vector<std::string>;

using hawatch::test::contains;

// Parses `args`, which must be rejected; returns the message.
std::string rejection(const Args& args) {
  try {
    parse_command_line(args);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  std::string joined;
  for (const auto& a : args) joined += a + " ";
  BOOST_ERROR("accepted: " << joined);
  return {};
}

struct ValueFlag {
  std::string name;
  std::string value;
  std::function<std::string(const CommandLine&)> get;
};

std::string opt(const std::optional<std::string>& v) {
  return v.value_or("<unset>");
}

const std::vector<ValueFlag> kValueFlags{
    {"config.file", "/etc/hawatch/hawatch.yml", [](const auto& c) { return opt(c.config_file); }},
    {"web.listen-address", "127.0.0.1:9100", [](const auto& c) { return opt(c.listen_address); }},
    {"web.config.file", "/etc/hawatch/web.yml",
     [](const auto& c) { return opt(c.web_config_file); }},
    {"web.telemetry-path", "/custom", [](const auto& c) { return opt(c.telemetry_path); }},
    {"path.procfs", "/host/proc", [](const auto& c) { return c.procfs; }},
    {"path.sysfs", "/host/sys", [](const auto& c) { return c.sysfs; }},
    {"path.rootfs", "/host", [](const auto& c) { return c.rootfs; }},
    {"log.level", "debug", [](const auto& c) { return c.log_level; }},
    {"log.format", "json", [](const auto& c) { return c.log_format; }},
};

}  // namespace

BOOST_AUTO_TEST_CASE(defaults) {
  const CommandLine cl = parse_command_line({});
  BOOST_TEST(!cl.config_file.has_value());
  BOOST_TEST(!cl.listen_address.has_value());
  BOOST_TEST(!cl.web_config_file.has_value());
  BOOST_TEST(!cl.telemetry_path.has_value());
  BOOST_TEST(cl.procfs == "/proc");
  BOOST_TEST(cl.sysfs == "/sys");
  BOOST_TEST(cl.rootfs == "/");
  BOOST_TEST(cl.log_level == "info");
  BOOST_TEST(cl.log_format == "logfmt");
  BOOST_TEST(!cl.check_config);
  BOOST_TEST(!cl.version);
  BOOST_TEST(!cl.help);
  BOOST_TEST(cl.collector_switches.empty());
}

// Loops with BOOST_TEST_CONTEXT rather than BOOST_DATA_TEST_CASE: Boost's generated case names
// trip GCC 12's -Wrestrict false positive at -O3, which -Werror turns into a failed Release build.

BOOST_AUTO_TEST_CASE(value_flag_with_equals) {
  for (const ValueFlag& flag : kValueFlags) {
    BOOST_TEST_CONTEXT("--" << flag.name) {
      const CommandLine cl = parse_command_line({"--" + flag.name + "=" + flag.value});
      BOOST_TEST(flag.get(cl) == flag.value);
    }
  }
}

BOOST_AUTO_TEST_CASE(value_flag_with_separate_value) {
  for (const ValueFlag& flag : kValueFlags) {
    BOOST_TEST_CONTEXT("--" << flag.name) {
      const CommandLine cl = parse_command_line({"--" + flag.name, flag.value});
      BOOST_TEST(flag.get(cl) == flag.value);
    }
  }
}

BOOST_AUTO_TEST_CASE(value_flag_without_value_is_rejected) {
  for (const ValueFlag& flag : kValueFlags) {
    BOOST_TEST_CONTEXT("--" << flag.name) {
      const std::string message = rejection({"--" + flag.name});
      BOOST_TEST(contains(message, "--" + flag.name), message);
      BOOST_TEST(contains(message, "needs a value"), message);
    }
  }
}

BOOST_AUTO_TEST_CASE(all_flags_together) {
  const CommandLine cl = parse_command_line(
      {"--config.file=/etc/hawatch.yml", "--web.listen-address", ":9100",
       "--web.config.file=web.yml", "--web.telemetry-path", "/m", "--path.procfs=/host/proc",
       "--path.sysfs", "/host/sys", "--path.rootfs=/host", "--log.level", "warn",
       "--log.format=json", "--check-config", "--collector.node", "--no-collector.systemd"});
  BOOST_TEST(cl.config_file.value() == "/etc/hawatch.yml");
  BOOST_TEST(cl.listen_address.value() == ":9100");
  BOOST_TEST(cl.web_config_file.value() == "web.yml");
  BOOST_TEST(cl.telemetry_path.value() == "/m");
  BOOST_TEST(cl.procfs == "/host/proc");
  BOOST_TEST(cl.sysfs == "/host/sys");
  BOOST_TEST(cl.rootfs == "/host");
  BOOST_TEST(cl.log_level == "warn");
  BOOST_TEST(cl.log_format == "json");
  BOOST_TEST(cl.check_config);
  BOOST_TEST(!cl.version);
  BOOST_TEST(cl.collector_switches.size() == 2u);
  BOOST_TEST(cl.collector_switches.at("node") == true);
  BOOST_TEST(cl.collector_switches.at("systemd") == false);
}

BOOST_AUTO_TEST_CASE(value_may_contain_equals_and_be_given_twice) {
  // Only the first '=' separates; the last occurrence of a flag wins.
  const CommandLine cl =
      parse_command_line({"--config.file=/a=b.yml", "--log.level=debug", "--log.level", "error"});
  BOOST_TEST(cl.config_file.value() == "/a=b.yml");
  BOOST_TEST(cl.log_level == "error");
}

BOOST_AUTO_TEST_CASE(separate_value_is_taken_verbatim) {
  // The word after a value flag is its value, even when it looks like a flag.
  const CommandLine cl = parse_command_line({"--config.file", "--version"});
  BOOST_TEST(cl.config_file.value() == "--version");
  BOOST_TEST(!cl.version);
}

BOOST_AUTO_TEST_CASE(boolean_flags) {
  BOOST_TEST(parse_command_line({"--check-config"}).check_config);
  BOOST_TEST(parse_command_line({"--version"}).version);
  BOOST_TEST(parse_command_line({"--help"}).help);
  const CommandLine cl = parse_command_line({"--version", "--check-config"});
  BOOST_TEST(cl.version);
  BOOST_TEST(cl.check_config);
  BOOST_TEST(!cl.help);
}

BOOST_AUTO_TEST_CASE(boolean_flags_take_no_value) {
  for (const char* flag : {"check-config", "version", "help"}) {
    const std::string message = rejection({std::string("--") + flag + "=true"});
    BOOST_TEST(contains(message, std::string("--") + flag), message);
    BOOST_TEST(contains(message, "takes no value"), message);
  }
}

BOOST_AUTO_TEST_CASE(collector_switches_last_one_wins) {
  const CommandLine cl =
      parse_command_line({"--no-collector.node", "--collector.systemd", "--collector.node"});
  BOOST_TEST(cl.collector_switches.at("node") == true);
  BOOST_TEST(cl.collector_switches.at("systemd") == true);
  const CommandLine off = parse_command_line({"--collector.node", "--no-collector.node"});
  BOOST_TEST(off.collector_switches.at("node") == false);
}

BOOST_AUTO_TEST_CASE(malformed_collector_switches) {
  for (const char* arg :
       {"--collector.", "--no-collector.", "--collector.node=true", "--no-collector.node=false"}) {
    const std::string message = rejection({arg});
    BOOST_TEST(contains(message, "malformed flag"), message);
    const std::string name = std::string(arg).substr(0, std::string(arg).find('='));
    BOOST_TEST(contains(message, name), message);
  }
}

BOOST_AUTO_TEST_CASE(unknown_flags_are_named) {
  for (const char* arg : {"--config", "--web.listen_address=:1", "--collectors.node",
                          "--log-level=info", "--verbose"}) {
    const std::string message = rejection({arg});
    const std::string name = std::string(arg).substr(0, std::string(arg).find('='));
    BOOST_TEST(contains(message, "unknown flag " + name), message);
  }
}

BOOST_AUTO_TEST_CASE(non_flag_arguments_are_rejected) {
  for (const char* arg : {"config.yml", "-v", "--", "-config.file=x"}) {
    const std::string message = rejection({arg});
    BOOST_TEST(contains(message, std::string("\"") + arg + "\""), message);
  }
  // A stray word after a complete flag is not silently taken as anything.
  BOOST_TEST(contains(rejection({"--config.file=a.yml", "b.yml"}), "\"b.yml\""));
}

BOOST_AUTO_TEST_CASE(log_level_is_checked) {
  for (const char* level : {"debug", "info", "warn", "error"})
    BOOST_TEST(parse_command_line({std::string("--log.level=") + level}).log_level == level);
  for (const Args& args :
       {Args{"--log.level=verbose"}, Args{"--log.level", "INFO"}, Args{"--log.level="}}) {
    const std::string message = rejection(args);
    BOOST_TEST(contains(message, "--log.level"), message);
    BOOST_TEST(contains(message, "debug, info, warn, error"), message);
  }
}

BOOST_AUTO_TEST_CASE(log_format_is_checked) {
  BOOST_TEST(parse_command_line({"--log.format=logfmt"}).log_format == "logfmt");
  const std::string message = rejection({"--log.format", "text"});
  BOOST_TEST(contains(message, "--log.format"), message);
}

BOOST_AUTO_TEST_CASE(telemetry_path_must_be_absolute) {
  for (const Args& args : {Args{"--web.telemetry-path=metrics"}, Args{"--web.telemetry-path", ""},
                           Args{"--web.telemetry-path="}}) {
    const std::string message = rejection(args);
    BOOST_TEST(contains(message, "--web.telemetry-path"), message);
    BOOST_TEST(contains(message, "must start with '/'"), message);
  }
  BOOST_TEST(parse_command_line({"--web.telemetry-path=/"}).telemetry_path.value() == "/");
}

BOOST_AUTO_TEST_CASE(usage_lists_every_flag) {
  const std::string usage = usage_text();
  for (const auto& f : kValueFlags) BOOST_TEST(contains(usage, "--" + f.name + "="), f.name);
  for (const char* f : {"--collector.NAME", "--no-collector.NAME", "--check-config", "--version"})
    BOOST_TEST(contains(usage, f), f);
}
