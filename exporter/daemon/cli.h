#pragma once
// Command-line flags, node_exporter style: --flag=value or --flag value.
// Hand-written: the flag set is small and must match exporter conventions exactly
// (dotted names, --collector.X / --no-collector.X), which Poco::Util's options do not spell.

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hawatch {

struct CommandLine {
  std::optional<std::string> config_file;
  std::optional<std::string> listen_address;
  std::optional<std::string> web_config_file;
  std::optional<std::string> telemetry_path;
  std::string procfs = "/proc";
  std::string sysfs = "/sys";
  std::string rootfs = "/";
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool check_config = false;
  bool version = false;
  bool help = false;
  std::map<std::string, bool> collector_switches;  // --collector.X / --no-collector.X
};

// Throws std::invalid_argument with a message naming the flag.
CommandLine parse_command_line(const std::vector<std::string>& args);
std::string usage_text();

}  // namespace hawatch
