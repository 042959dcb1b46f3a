// The daemon configuration: the embedded default and good files parse to the values they spell;
// every bad file is rejected with ConfigError diagnostics that carry the exact FILE:LINE:COL of
// the offending key or value and a message naming it; all errors of a file come at once.
#define BOOST_TEST_MODULE config
#include "contains.h"
#include "core/config.h"

#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "core/collector_set.h"
#include "core/config_reader.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace std::chrono_literals;

namespace {

const fs::path kConfig = fs::path(HAWATCH_FIXTURES) / "config";

std::string good(const std::string& name) {
  return (kConfig / "good" / name).string();
}
std::string bad(const std::string& name) {
  return (kConfig / "bad" / name).string();
}

using hawatch::test::contains;

// A host tree with nothing in it, so that building collectors never depends on this machine.
Environment empty_env() {
  Environment env;
  env.procfs = "/nonexistent/proc";
  env.sysfs = "/nonexistent/sys";
  env.rootfs = "/nonexistent";
  return env;
}

// Loads `path` (and builds its collectors when `build`), which must fail; returns the diagnostics.
std::vector<ConfigDiagnostic> errors_of(const std::string& path, bool build = false) {
  try {
    const Config cfg = load_config_file(path);
    if (build) build_collectors(cfg, empty_env());
  } catch (const ConfigError& e) {
    BOOST_TEST(!e.diagnostics().empty());
    return e.diagnostics();
  }
  BOOST_ERROR(path << " was accepted");
  return {};
}

std::string dump(const std::vector<ConfigDiagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += "\n  " + d.to_string();
  return out;
}

// Whether some diagnostic sits at line:col of `file` and mentions every one of `words`.
bool has_error(const std::vector<ConfigDiagnostic>& diags, const std::string& file, int line,
               int col, const std::vector<std::string>& words) {
  return std::any_of(diags.begin(), diags.end(), [&](const ConfigDiagnostic& d) {
    if (d.file != file || d.line != line || d.column != col) return false;
    for (const auto& w : words)
      if (!contains(d.message, w)) return false;
    // The printed form is what an operator sees: FILE:LINE:COL: message.
    return d.to_string() ==
           file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + d.message;
  });
}

// The scheduled collector called `name`, or null. Other collectors may be registered (and be
// `auto`), so tests look for theirs by name rather than counting.
const ScheduledCollector* find_built(const std::vector<ScheduledCollector>& built,
                                     const std::string& name) {
  auto it = std::find_if(built.begin(), built.end(),
                         [&](const ScheduledCollector& c) { return c.name == name; });
  return it == built.end() ? nullptr : &*it;
}

bool builds_node(const Config& cfg, const CollectorOverrides& overrides = {}) {
  return find_built(build_collectors(cfg, empty_env(), overrides), "node") != nullptr;
}

const CollectorConfig& node_of(const Config& cfg) {
  auto it = cfg.collectors.find("node");
  BOOST_REQUIRE(it != cfg.collectors.end());
  return it->second;
}

struct BadCase {
  std::string file;
  int line;
  int col;
  std::vector<std::string> words;  // the message must contain each
  bool build = false;              // reported by build_collectors, not parse_config
};

const std::vector<BadCase> kBad{
    {"unknown_top_level_key.yml", 3, 1, {"unknown key", "\"colectors\""}},
    {"unknown_global_key.yml", 3, 3, {"unknown key", "\"global.workers\""}},
    {"unknown_web_key.yml", 3, 3, {"unknown key", "\"web.telemetry-path\""}},
    {"unknown_collector.yml", 3, 3, {"unknown collector", "\"systemdd\"", "node"}},
    {"string_for_map.yml", 1, 9, {"global", "expected a mapping", "scalar"}},
    {"collectors_not_a_map.yml", 1, 13, {"\"collectors\"", "mapping"}},
    {"collector_section_scalar.yml", 2, 9, {"\"collectors.node\"", "mapping"}},
    {"list_for_string.yml", 2, 14, {"\"global.node_name\"", "string", "list"}},
    {"map_for_string.yml", 3, 5, {"\"web.listen_address\"", "string", "mapping"}},
    {"workers_not_integer.yml", 2, 22, {"\"global.collector_workers\"", "integer"}},
    {"workers_out_of_range.yml", 2, 22, {"\"global.collector_workers\"", "between 1 and 64"}},
    {"bad_interval.yml", 3, 15, {"\"collectors.node.interval\"", "\"10x\""}},
    {"zero_timeout.yml", 3, 14, {"\"collectors.node.timeout\"", "positive"}},
    {"interval_list.yml", 3, 16, {"\"collectors.node.staleness\""}},
    {"enabled_maybe.yml", 3, 14, {"\"collectors.node.enabled\"", "true, false or auto"}},
    {"duplicate_key.yml", 3, 3, {"duplicate key", "\"global.node_name\""}},
    {"duplicate_top_level_key.yml", 3, 1, {"duplicate key", "\"web\""}},
    {"duplicate_collector.yml", 4, 3, {"duplicate key", "\"collectors.node\""}},
    {"duplicate_collector_key.yml", 4, 5, {"duplicate key", "\"collectors.node.interval\""}},
    {"syntax_error.yml", 3, 5, {"YAML syntax error"}},
    {"not_a_mapping.yml", 1, 1, {"expected a mapping", "list"}},
    {"telemetry_path.yml", 2, 19, {"\"web.telemetry_path\"", "must start with '/'"}},
    {"relative_mountpoint.yml",
     3,
     19,
     {"\"collectors.node.mountpoints\"", "\"relative/path\"", "absolute"},
     true},
    {"relative_mountpoint_block.yml",
     6,
     9,
     {"\"collectors.node.mountpoints\"", "\"data/backup\"", "absolute"},
     true},
    {"unknown_node_option.yml", 3, 5, {"unknown key", "\"collectors.node.mountpoint\""}, true},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(good_configs)

BOOST_AUTO_TEST_CASE(embedded_default_parses_and_enables_node) {
  const Config cfg = parse_config(embedded_default_config(), kEmbeddedConfigName);
  BOOST_TEST(cfg.source == kEmbeddedConfigName);
  BOOST_TEST(cfg.listen_address == ":9847");
  BOOST_TEST(cfg.telemetry_path == "/metrics");
  BOOST_TEST(cfg.workers == 4u);
  BOOST_TEST(!cfg.node_name.empty());
  BOOST_TEST(cfg.warnings.empty());
  const auto& node = node_of(cfg);
  BOOST_TEST((node.enablement == Enablement::on));
  BOOST_TEST(node.interval.count() == Duration(15s).count());

  const auto built = build_collectors(cfg, empty_env());
  const ScheduledCollector* node_built = find_built(built, "node");
  BOOST_REQUIRE(node_built != nullptr);
  BOOST_TEST(node_built->collector != nullptr);
}

BOOST_AUTO_TEST_CASE(node_name_defaults_to_the_hostname) {
  char host[256] = {};
  BOOST_REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  const Config cfg = parse_config("global: {}\n", "inline.yml");
  BOOST_TEST(cfg.node_name == (host[0] ? std::string(host) : std::string("localhost")));
}

BOOST_AUTO_TEST_CASE(full_file_sets_every_section) {
  const std::string path = good("full.yml");
  const Config cfg = load_config_file(path);
  BOOST_TEST(cfg.source == path);
  BOOST_TEST(cfg.node_name == "amslpr-primary");
  BOOST_TEST(cfg.workers == 8u);
  BOOST_TEST(cfg.listen_address == "127.0.0.1:9100");
  BOOST_TEST(cfg.telemetry_path == "/custom/metrics");

  const auto& node = node_of(cfg);
  BOOST_TEST((node.enablement == Enablement::on));
  BOOST_TEST(node.interval.count() == Duration(30s).count());
  BOOST_TEST(node.timeout.count() == Duration(10s).count());
  BOOST_TEST(node.staleness.count() == Duration(2min).count());
  // The common keys are split off; only the collector's own options are left for its factory.
  BOOST_REQUIRE(node.options.IsMap());
  BOOST_TEST(node.options.size() == 1u);
  // ...and keep the section's position, for factories that reject the section as a whole.
  BOOST_TEST(node.options.Mark().line + 1 == 12);
  BOOST_TEST(node.options.Mark().column + 1 == 5);
  BOOST_REQUIRE(node.options["mountpoints"].IsSequence());
  BOOST_TEST(node.options["mountpoints"][1].as<std::string>() == "/var/lib/amslpr");

  // Sections for other modules are kept as YAML for them.
  BOOST_REQUIRE(cfg.plugins.IsMap());
  BOOST_TEST(cfg.plugins["exec"][0]["name"].as<std::string>() == "raid");
  // rule_files are read here: the local rules (alerting/local) take the globs.
  BOOST_REQUIRE(cfg.rule_files.size() == 1u);
  BOOST_TEST(cfg.rule_files[0] == "/etc/hawatch/rules/*.yml");
  BOOST_REQUIRE(cfg.alerting.IsMap());
  BOOST_TEST(cfg.alerting["receivers"][0]["name"].as<std::string>() == "ops");
  BOOST_REQUIRE(cfg.failover.IsSequence());
  BOOST_TEST(cfg.failover[0]["name"].as<std::string>() == "amslpr");

  // Every section is implemented now: alerting and failover are read (and their errors
  // reported) by the daemon, so none is announced as ignored.
  auto warned = [&](const std::string& text) {
    return std::find(cfg.warnings.begin(), cfg.warnings.end(), text) != cfg.warnings.end();
  };
  BOOST_TEST(!warned(path + ":30:3: section \"alerting\" is not implemented in this version and is ignored"));
  BOOST_TEST(!warned(path + ":35:3: section \"failover\" is not implemented in this version and is ignored"));
  BOOST_TEST(!warned(path + ":27:3: section \"rule_files\" is not implemented in this version and is ignored"));
  for (const auto& w : cfg.warnings) BOOST_TEST(w.rfind(path + ":", 0) == 0u, w);

  const auto built = build_collectors(cfg, empty_env());
  const ScheduledCollector* node_built = find_built(built, "node");
  BOOST_REQUIRE(node_built != nullptr);
  BOOST_TEST(node_built->interval.count() == Duration(30s).count());
  BOOST_TEST(node_built->timeout.count() == Duration(10s).count());
  BOOST_TEST(node_built->staleness.count() == Duration(2min).count());
}

BOOST_AUTO_TEST_CASE(empty_and_minimal_files_mean_all_defaults) {
  for (const char* name : {"empty.yml", "minimal.yml"}) {
    BOOST_TEST_CONTEXT(name) {
      const Config cfg = load_config_file(good(name));
      BOOST_TEST(cfg.listen_address == kDefaultListenAddress);
      BOOST_TEST(cfg.telemetry_path == "/metrics");
      BOOST_TEST(cfg.workers == 4u);
      BOOST_TEST(cfg.warnings.empty());
      const auto& node = node_of(cfg);
      BOOST_TEST((node.enablement == Enablement::on));  // node's own default
      BOOST_TEST(node.interval.count() == Duration(15s).count());
      BOOST_TEST(node.timeout.count() == Duration(5s).count());
      // Default staleness: two missed runs plus the timeout.
      BOOST_TEST(node.staleness.count() == Duration(35s).count());
    }
  }
}

BOOST_AUTO_TEST_CASE(disabled_node_is_not_built_unless_forced_by_a_flag) {
  const Config cfg = load_config_file(good("node_disabled.yml"));
  BOOST_TEST((node_of(cfg).enablement == Enablement::off));
  BOOST_TEST(!builds_node(cfg));
  CollectorOverrides on;
  on.enabled["node"] = true;
  BOOST_TEST(builds_node(cfg, on));
  const Config full = load_config_file(good("full.yml"));
  BOOST_TEST(builds_node(full));
  CollectorOverrides off;
  off.enabled["node"] = false;
  BOOST_TEST(!builds_node(full, off));
}

BOOST_AUTO_TEST_CASE(staleness_follows_the_interval_and_timeout_is_capped) {
  const Config cfg = load_config_file(good("node_defaults.yml"));
  const auto& node = node_of(cfg);
  BOOST_TEST(node.interval.count() == Duration(1min).count());
  BOOST_TEST(node.timeout.count() == Duration(5s).count());
  BOOST_TEST(node.staleness.count() == Duration(2min + 5s).count());
  BOOST_TEST(node.options.IsNull());

  const Config capped =
      parse_config("collectors:\n  node:\n    interval: 2s\n    timeout: 10s\n", "inline.yml");
  BOOST_TEST(node_of(capped).timeout.count() == Duration(2s).count());
  BOOST_TEST(node_of(capped).staleness.count() == Duration(6s).count());
}

BOOST_AUTO_TEST_CASE(block_style_file) {
  const Config cfg = load_config_file(good("block_style.yml"));
  BOOST_TEST(cfg.node_name == "pi-4");
  BOOST_TEST(cfg.listen_address == ":9847");
  const auto& node = node_of(cfg);
  BOOST_TEST((node.enablement == Enablement::automatic));
  BOOST_TEST(node.interval.count() == Duration(1h + 5s).count());
  BOOST_TEST(node.timeout.count() == Duration(500ms).count());
  BOOST_TEST(node.options["mountpoints"].size() == 2u);
  // `auto` for node: its source (procfs) always counts as present.
  BOOST_TEST(builds_node(cfg));
}

BOOST_AUTO_TEST_CASE(shipped_example_is_valid) {
  const fs::path example =
      fs::path(HAWATCH_FIXTURES).parent_path().parent_path() / "docs" / "examples" / "hawatch.yml";
  BOOST_REQUIRE(fs::exists(example));
  const Config cfg = load_config_file(example.string());
  BOOST_TEST(cfg.node_name == "amslpr-primary");
  BOOST_TEST(builds_node(cfg));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bad_configs)

// A loop rather than BOOST_DATA_TEST_CASE: Boost's generated case names trip GCC 12's -Wrestrict
// false positive at -O3, which -Werror turns into a failed Release build.
BOOST_AUTO_TEST_CASE(error_names_file_line_column_and_key) {
  for (const BadCase& c : kBad) {
    BOOST_TEST_CONTEXT(c.file) {
      const std::string path = bad(c.file);
      const auto diags = errors_of(path, c.build);
      BOOST_TEST(has_error(diags, path, c.line, c.col, c.words),
                 "expected " << path << ":" << c.line << ":" << c.col << " mentioning "
                             << c.words.front() << ", got:" << dump(diags));
      // One mistake, one diagnostic: no cascades that bury the real problem.
      BOOST_TEST(diags.size() == 1u, dump(diags));
    }
  }
}

BOOST_AUTO_TEST_CASE(mountpoint_problem_is_not_a_parse_error) {
  // parse_config only splits off the common keys; the node factory checks its own options.
  BOOST_CHECK_NO_THROW(load_config_file(bad("relative_mountpoint.yml")));
  BOOST_CHECK_NO_THROW(load_config_file(bad("unknown_node_option.yml")));
}

BOOST_AUTO_TEST_CASE(disabled_collector_options_are_not_checked) {
  // The factory of a collector that will not run is not asked; --collector.node turns it back on.
  const Config cfg =
      parse_config("collectors:\n  node:\n    enabled: false\n    mountpoints: [rel]\n", "x.yml");
  BOOST_CHECK_NO_THROW(build_collectors(cfg, empty_env()));
  CollectorOverrides on;
  on.enabled["node"] = true;
  try {
    build_collectors(cfg, empty_env(), on);
    BOOST_ERROR("relative mountpoint accepted");
  } catch (const ConfigError& e) {
    BOOST_TEST(has_error(e.diagnostics(), "x.yml", 4, 19, {"\"rel\""}), dump(e.diagnostics()));
  }
}

BOOST_AUTO_TEST_CASE(all_errors_in_a_file_are_reported) {
  const std::string path = bad("multiple_errors.yml");
  const auto diags = errors_of(path);
  BOOST_TEST(diags.size() == 6u, dump(diags));
  BOOST_TEST(has_error(diags, path, 4, 3, {"unknown key", "\"global.colector_workers\""}));
  BOOST_TEST(has_error(diags, path, 6, 19, {"\"web.telemetry_path\""}));
  BOOST_TEST(has_error(diags, path, 9, 15, {"\"collectors.node.interval\"", "\"10x\""}));
  BOOST_TEST(has_error(diags, path, 10, 14, {"\"collectors.node.enabled\""}));
  BOOST_TEST(has_error(diags, path, 11, 3, {"unknown collector", "\"systemdd\""}));
  BOOST_TEST(has_error(diags, path, 12, 1, {"unknown key", "\"extra\""}));
}

BOOST_AUTO_TEST_CASE(config_error_what_lists_every_diagnostic) {
  const std::string path = bad("multiple_errors.yml");
  try {
    load_config_file(path);
    BOOST_ERROR("accepted");
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    for (const auto& d : e.diagnostics()) BOOST_TEST(contains(what, d.to_string()));
    BOOST_TEST(std::count(what.begin(), what.end(), '\n') == 5);
  }
}

BOOST_AUTO_TEST_CASE(nonexistent_file_names_the_file) {
  const std::string path = (kConfig / "does-not-exist.yml").string();
  try {
    load_config_file(path);
    BOOST_ERROR("a missing file was accepted");
  } catch (const ConfigError& e) {
    BOOST_REQUIRE_EQUAL(e.diagnostics().size(), 1u);
    const auto& d = e.diagnostics()[0];
    BOOST_TEST(d.file == path);
    BOOST_TEST(d.line == 0);  // no position to give
    BOOST_TEST(contains(d.message, "cannot read"));
    BOOST_TEST(d.to_string() == path + ": " + d.message);
    BOOST_TEST(contains(e.what(), path));
  }
}

BOOST_AUTO_TEST_CASE(directory_is_not_a_config_file) {
  // Opening a directory "succeeds" and reads nothing; it must not pass as an empty config.
  const std::string path = (kConfig / "good").string();
  try {
    load_config_file(path);
    BOOST_ERROR("a directory was accepted as a config file");
  } catch (const ConfigError& e) {
    BOOST_REQUIRE_EQUAL(e.diagnostics().size(), 1u);
    BOOST_TEST(e.diagnostics()[0].file == path);
    BOOST_TEST(contains(e.diagnostics()[0].message, "cannot read"));
  }
}

BOOST_AUTO_TEST_CASE(inline_text_uses_the_given_source_name) {
  try {
    parse_config("global:\n  bogus: 1\n", "from-test.yml");
    BOOST_ERROR("accepted");
  } catch (const ConfigError& e) {
    BOOST_TEST(has_error(e.diagnostics(), "from-test.yml", 2, 3, {"\"global.bogus\""}),
               dump(e.diagnostics()));
  }
}

BOOST_AUTO_TEST_SUITE_END()
