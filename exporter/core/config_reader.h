#pragma once
// Reading YAML with positions: every problem becomes "FILE:LINE:COL: message", and all problems in
// a file are collected (an admin fixing a config wants the whole list, not one per run).

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "duration.h"

namespace hawatch {

struct ConfigDiagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
  std::string message;

  std::string to_string() const;
};

// Thrown when a config (or web-config) file has errors; carries all of them.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<ConfigDiagnostic> diagnostics);
  const std::vector<ConfigDiagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<ConfigDiagnostic> diagnostics_;
};

// Collects diagnostics for one source file.
class ConfigContext {
 public:
  explicit ConfigContext(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  void error(const YAML::Node& at, std::string message);
  void error(const YAML::Mark& at, std::string message);
  bool ok() const { return diagnostics_.empty(); }
  const std::vector<ConfigDiagnostic>& diagnostics() const { return diagnostics_; }
  // Throws ConfigError when any error was reported.
  void throw_if_errors() const;

 private:
  std::string file_;
  std::vector<ConfigDiagnostic> diagnostics_;
};

// Bounds on a parsed document, counted as the tree its readers walk (aliases expanded). Real
// configs have a few thousand nodes and a depth under 15.
inline constexpr std::size_t kMaxYamlNodes = 200000;
inline constexpr std::size_t kMaxYamlDepth = 64;

// Parses YAML text; syntax errors and documents beyond the bounds above are reported with their
// position and yield a null node.
YAML::Node parse_yaml(const std::string& text, ConfigContext& ctx);
// Reads and parses a YAML file; unreadable files are reported against the file name.
YAML::Node load_yaml_file(const std::string& path, ConfigContext& ctx);

std::string yaml_type_name(const YAML::Node& node);

// Calls `entry(item, "where[i]")` for each item of an optional YAML list; absent or null is an
// empty list, anything else an error "WHERE must be a list".
void for_each_list_entry(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                         const std::function<void(const YAML::Node&, const std::string&)>& entry);

// Reads a YAML mapping key by key, reporting wrong types, and at finish() every key that nobody
// asked for ("unknown key") and every duplicated key.
class MapReader {
 public:
  // `where` names the section in messages, e.g. "collectors.node".
  MapReader(const YAML::Node& node, ConfigContext& ctx, std::string where);
  ~MapReader() = default;
  MapReader(const MapReader&) = delete;
  MapReader& operator=(const MapReader&) = delete;

  bool valid() const { return valid_; }
  bool has(const std::string& key) const;

  std::optional<std::string> string(const std::string& key);
  std::optional<bool> boolean(const std::string& key);
  std::optional<long long> integer(const std::string& key, long long min, long long max);
  std::optional<double> number(const std::string& key);
  std::optional<Duration> duration(const std::string& key);
  std::optional<std::vector<std::string>> string_list(const std::string& key);
  // Marks the key consumed and returns the raw node (null node when absent).
  YAML::Node node(const std::string& key);
  // One of `allowed` values.
  std::optional<std::string> choice(const std::string& key,
                                    const std::vector<std::string>& allowed);

  // Reports unknown keys. Call after reading every key the section supports.
  void finish();

  ConfigContext& context() { return ctx_; }
  const std::string& where() const { return where_; }

 private:
  YAML::Node find(const std::string& key);
  std::string qualified(const std::string& key) const;

  YAML::Node node_;
  ConfigContext& ctx_;
  std::string where_;
  bool valid_ = false;
  std::set<std::string> consumed_;
};

}  // namespace hawatch
