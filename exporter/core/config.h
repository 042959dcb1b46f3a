#pragma once
// The daemon's YAML configuration (sections as in docs/configuration.md and the contract).
// Collector options are validated by each collector's own factory; the plugins, rule_files,
// alerting and failover sections are kept as YAML for their modules.

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector.h"
#include "duration.h"

namespace hawatch {

// yaml-cpp's Node::operator= writes into the node it replaces (so every copy of that node changes
// too) and merges the two documents' node memory, so a config assigned anew on every reload
// would keep every document it ever read. The assignments of the structs holding nodes replace
// the whole value instead: the nodes are copy-constructed (a new reference), never assigned.
struct CollectorConfig {
  CollectorConfig() = default;
  CollectorConfig(const CollectorConfig&) = default;
  CollectorConfig(CollectorConfig&&) noexcept = default;
  CollectorConfig& operator=(const CollectorConfig& other);
  CollectorConfig& operator=(CollectorConfig&& other) noexcept;

  std::string name;
  Enablement enablement = Enablement::automatic;
  Duration interval{};
  Duration timeout{};
  Duration staleness{};
  YAML::Node options;  // the section without enabled/interval/timeout/staleness
};

struct Config {  // assignments: see CollectorConfig
  Config() = default;
  Config(const Config&) = default;
  Config(Config&&) noexcept = default;
  Config& operator=(const Config& other);
  Config& operator=(Config&& other) noexcept;

  std::string source;  // file path, or "<embedded default>"
  std::string node_name;
  std::size_t workers = 4;
  std::string listen_address;
  std::string telemetry_path = "/metrics";
  // Every collector registered once the file is read (built in, or in a module it loaded), by name.
  std::map<std::string, CollectorConfig> collectors;
  // Sections of module collectors (collector_modules.h) whose module the file leaves unloaded
  // because it disables them: --collector.NAME can still turn them on, with these options.
  std::map<std::string, YAML::Node> unloaded_sections;
  YAML::Node plugins;
  // Local rule evaluation (alerting/local): rule file globs, relative ones to the config file's
  // directory; the default group interval; where alert state survives restarts.
  std::vector<std::string> rule_files;
  Duration evaluation_interval = std::chrono::minutes(1);
  std::string state_directory;  // empty: alert state is not kept across restarts
  std::string external_url;     // how people reach this hawatch (alert links)
  YAML::Node alerting;
  YAML::Node failover;
  // Non-fatal findings (e.g. a section whose module this build does not have yet).
  std::vector<std::string> warnings;
};

inline constexpr const char* kEmbeddedConfigName = "<embedded default>";
inline constexpr const char* kDefaultListenAddress = ":9847";

// The configuration used when --config.file is not given.
const std::string& embedded_default_config();

// Parses config text; throws ConfigError listing every problem with FILE:LINE:COL.
Config parse_config(const std::string& text, const std::string& source);
// Reads and parses a config file; throws ConfigError.
Config load_config_file(const std::string& path);

// A collector's scheduling settings and options from its section (Undefined when absent), for a
// collector whose module is loaded after the file was read (core/collector_set.cpp).
CollectorConfig read_collector_config(const CollectorDescriptor& d, const YAML::Node& section,
                                      ConfigContext& ctx);

}  // namespace hawatch
