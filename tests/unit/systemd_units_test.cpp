// The pure parts of the systemd collector: regex -> server-side glob patterns (always a superset of
// what the anchored regex selects), the unit filter, failure counting from state changes, the
// system bus socket path, and the config errors for bad regexes.
#define BOOST_TEST_MODULE systemd_units
#include <fnmatch.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "collectors/systemd/systemd_units.h"
#include "core/collector_set.h"
#include "collectors/systemd/systemd_source.h"
#include "core/config.h"
#include "core/config_reader.h"

using namespace hawatch;
using namespace hawatch::systemd;
using hawatch::system_bus_socket_path;
using Strings = std::vector<std::string>;

namespace {

// Whether any glob matches `name` the way systemd's ListUnitsByPatterns does (fnmatch, FNM_NOESCAPE).
bool any_glob_matches(const Strings& globs, const std::string& name) {
  for (const auto& g : globs)
    if (::fnmatch(g.c_str(), name.c_str(), FNM_NOESCAPE) == 0) return true;
  return false;
}

const Strings kSampleNames{
    "amslpr.service",        "visigate.service",       "visiongate.service",  "nginx.service",
    "redis-server.service",  "litestream.service",     "keepalived.service",  "apcupsd.service",
    "nut-server.service",    "nut-monitor.service",    "postgresql.service",  "postgresql@15-main.service",
    "mariadb.service",       "nginx.socket",           "xnginx.service",      "nginx.service.bak",
    "hw-long.service",       "hw-failing.service",     "hw-7.service",        "hw-77.service",
    "a.timer",               "b.timer",                "ac.timer",            "bd.timer",
    "getty@tty1.service",    "dbus.socket",            "dbus.service",        "systemd-journald.service",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(globs)

BOOST_AUTO_TEST_CASE(default_include_becomes_one_glob_per_service) {
  const auto globs = globs_for_regex(kDefaultInclude);
  BOOST_REQUIRE(globs.has_value());
  const Strings expected{"amslpr.service",      "apcupsd.service",      "keepalived.service",
                         "litestream.service",  "mariadb.service",      "nginx.service",
                         "nut-monitor.service", "nut-server.service",   "postgresql*.service",
                         "redis-server.service", "visigate.service",    "visiongate.service"};
  BOOST_TEST(*globs == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(translations) {
  struct Case {
    std::string regex;
    Strings globs;
  };
  const std::vector<Case> cases{
      {R"(hw-(long|failing)\.service)", {"hw-failing.service", "hw-long.service"}},
      {R"(^nginx\.service$)", {"nginx.service"}},
      {"nginx.service", {"nginx?service"}},
      {R"(foo.*)", {"foo*"}},
      {R"(foo.+\.service)", {"foo?*.service"}},
      {R"(hw-\d+\.service)", {"hw-[0-9]*.service"}},
      {R"((a|b)(c|d)?\.timer)", {"a.timer", "ac.timer", "ad.timer", "b.timer", "bc.timer", "bd.timer"}},
      {R"((?:a|b)x)", {"ax", "bx"}},
      {R"([^a]b)", {"[!a]b"}},
      {R"(getty@tty[0-9]\.service)", {"getty@tty[0-9].service"}},
      {R"(x(a|b)*y)", {"x*y"}},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT("regex " << c.regex) {
      const auto globs = globs_for_regex(c.regex);
      BOOST_REQUIRE(globs.has_value());
      BOOST_TEST(*globs == c.globs, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(unsupported_or_unfiltering_regexes_list_everything) {
  for (const std::string re : {".*", "(a|.*)", "a{2}", R"(\w+\.service)", "(?=a)b", "(ab",
                               "[]", R"(x\*)", "a b", "(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)"}) {
    BOOST_TEST_CONTEXT("regex " << re) { BOOST_TEST(!globs_for_regex(re).has_value()); }
  }
}

// The server-side filter must never hide a unit the regex selects.
BOOST_AUTO_TEST_CASE(globs_cover_everything_the_regex_selects) {
  for (const std::string& re :
       {std::string(kDefaultInclude), std::string(R"(hw-(long|failing)\.service)"),
        std::string(R"(hw-\d+\.service)"), std::string(R"((a|b)(c|d)?\.timer)"),
        std::string("nginx.service"), std::string(R"(getty@tty[0-9]\.service|dbus\..*)"),
        std::string(R"(postgresql.*|mariadb\.service)")}) {
    const auto globs = globs_for_regex(re);
    BOOST_REQUIRE(globs.has_value());
    const std::regex rx(re, std::regex::ECMAScript);
    for (const auto& name : kSampleNames) {
      BOOST_TEST_CONTEXT("regex " << re << ", unit " << name) {
        if (std::regex_match(name, rx)) BOOST_TEST(any_glob_matches(*globs, name));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(literal_unit_names) {
  BOOST_TEST(is_literal_unit_name("amslpr.service"));
  BOOST_TEST(is_literal_unit_name("dbus.socket"));
  BOOST_TEST(!is_literal_unit_name("postgresql*.service"));
  BOOST_TEST(!is_literal_unit_name("nginx?service"));
  BOOST_TEST(!is_literal_unit_name("nginx"));
  BOOST_TEST(!is_literal_unit_name(".service"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(filter)

BOOST_AUTO_TEST_CASE(include_is_anchored) {
  const UnitFilter f(std::string(kDefaultInclude), std::nullopt, false);
  BOOST_TEST(f.selects("nginx.service"));
  BOOST_TEST(f.selects("postgresql@15-main.service"));
  BOOST_TEST(!f.selects("xnginx.service"));
  BOOST_TEST(!f.selects("nginx.service.bak"));
  BOOST_TEST(!f.selects("nginx.socket"));  // services only by default
  BOOST_TEST(!f.selects("systemd-journald.service"));
  BOOST_TEST(f.patterns().size() == 12u);
  BOOST_TEST(f.literal_names().empty());  // the default list is not probed for missing units
}

BOOST_AUTO_TEST_CASE(exclude_wins_and_is_anchored) {
  const UnitFilter f(R"(hw-.*\.service)", std::string(R"(hw-ex.*)"));
  BOOST_TEST(f.selects("hw-long.service"));
  BOOST_TEST(!f.selects("hw-excluded.service"));
  const UnitFilter g(R"(hw-.*\.service)", std::string("excluded"));
  BOOST_TEST(g.selects("hw-excluded.service"));  // "excluded" must match the whole name
}

BOOST_AUTO_TEST_CASE(literal_names_are_the_spelled_out_units_still_selected) {
  const UnitFilter f(R"(hw-(long|ghost)\.service|nginx.service|hw-.*\.timer)",
                     std::string(R"(hw-long\.service)"));
  BOOST_TEST(f.literal_names() == (Strings{"hw-ghost.service", "nginx.service"}),
             boost::test_tools::per_element());
  const UnitFilter all(".*", std::nullopt);
  BOOST_TEST(all.patterns().empty());
  BOOST_TEST(all.literal_names().empty());
}

BOOST_AUTO_TEST_CASE(invalid_regex_throws) {
  BOOST_CHECK_THROW(UnitFilter("(unclosed", std::nullopt), std::invalid_argument);
  BOOST_CHECK_THROW(UnitFilter("ok", std::string("[bad")), std::invalid_argument);
  BOOST_TEST(!regex_problem("(unclosed").empty());
  BOOST_TEST(regex_problem("(amslpr|nginx)\\.service").empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(counts_each_entry_into_failed) {
  FailureCounter c;
  c.on_read("a.service", "active");
  c.on_signal("a.service", "failed");
  c.on_signal("a.service", "failed");  // repeated PropertiesChanged while failed: still one
  c.on_signal("a.service", "activating");
  c.on_signal("a.service", "active");
  BOOST_TEST(c.failures("a.service") == 1u);
  c.on_signal("a.service", "failed");
  BOOST_TEST(c.failures("a.service") == 2u);
  c.on_read("a.service", "active");  // a later read does not rewrite what signals said
  c.on_signal("a.service", "failed");
  BOOST_TEST(c.failures("a.service") == 2u);
}

BOOST_AUTO_TEST_CASE(already_failed_or_unknown_past_is_not_a_failure) {
  FailureCounter c;
  c.on_read("f.service", "failed");
  c.on_signal("f.service", "failed");
  BOOST_TEST(c.failures("f.service") == 0u);
  c.on_signal("u.service", "failed");  // first heard of through a signal
  BOOST_TEST(c.failures("u.service") == 0u);
  c.on_signal("u.service", "activating");
  c.on_signal("u.service", "failed");
  BOOST_TEST(c.failures("u.service") == 1u);
  BOOST_TEST(c.failures("never-seen.service") == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(system_bus_socket_paths) {
  BOOST_TEST(*system_bus_socket_path(nullptr) == "/run/dbus/system_bus_socket");
  BOOST_TEST(*system_bus_socket_path("") == "/run/dbus/system_bus_socket");
  BOOST_TEST(*system_bus_socket_path("unix:path=/tmp/x/bus") == "/tmp/x/bus");
  BOOST_TEST(*system_bus_socket_path("unix:guid=abc,path=/tmp/y") == "/tmp/y");
  BOOST_TEST(*system_bus_socket_path("tcp:host=127.0.0.1,port=1;unix:path=/tmp/z") == "/tmp/z");
  BOOST_TEST(!system_bus_socket_path("unix:abstract=/tmp/dbus-XYZ").has_value());
}

BOOST_AUTO_TEST_CASE(invalid_regex_in_config_is_reported_at_its_position) {
  const std::string text =
      "collectors:\n"
      "  systemd:\n"
      "    unit_include: 'ok\\.service'\n"
      "    unit_exclude: '(broken'\n";
  const Config cfg = parse_config(text, "sd.yml");
  Environment env;
  env.procfs = "/nonexistent/proc";
  try {
    build_collectors(cfg, env);
    BOOST_FAIL("an invalid unit_exclude was accepted");
  } catch (const ConfigError& e) {
    BOOST_REQUIRE(e.diagnostics().size() == 1u);
    const auto& d = e.diagnostics().front();
    BOOST_TEST(d.file == "sd.yml");
    BOOST_TEST(d.line == 4);
    BOOST_TEST(d.column == 19);
    BOOST_TEST(d.message.find("collectors.systemd.unit_exclude") != std::string::npos);
    BOOST_TEST(d.message.find("(broken") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(unknown_key_is_reported) {
  const Config cfg = parse_config("collectors:\n  systemd:\n    units: [a]\n", "sd.yml");
  BOOST_CHECK_THROW(build_collectors(cfg, Environment{}), ConfigError);
}

// Found by systemd_units_fuzz: std::regex backtracked exponentially on nested repetitions from a
// config (".*****..." took seconds per unit name, on every collection). RE2 is linear.
BOOST_AUTO_TEST_CASE(nested_repetitions_match_in_linear_time) {
  const UnitFilter f("(.*)*(.*)*(.*)*(.*)*x", std::nullopt);
  const std::string name(255, 'a');
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) BOOST_TEST(!f.selects(name));
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(2)));
  BOOST_TEST(f.selects(std::string(200, 'a') + "x"));
}
