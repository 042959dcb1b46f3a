#pragma once
// A C-ABI plugin loaded with dlopen: checks the ABI version, runs init() with the flattened config,
// and collect()s into a PluginRun. Used by in-process plugins and by hawatch-plugin-host.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hawatch/plugin.h"
#include "plugin_run.h"

namespace hawatch::plugins {

// The plugin's `config:` mapping flattened to key/value pairs ("cameras.0.host").
struct PluginSettings {
  std::vector<std::pair<std::string, std::string>> entries;
  std::string rootfs = "/";
  std::string node_name;
};

class PluginLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class PluginLibrary {
 public:
  // Throws PluginLoadError naming `file`: cannot open, missing entry symbol, ABI mismatch, init
  // failure.
  PluginLibrary(const std::string& file, const PluginSettings& settings);
  ~PluginLibrary();
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;

  PluginRun collect(double timeout_seconds);
  const std::string& name() const { return name_; }

 private:
  std::string file_;
  std::string name_;
  void* handle_ = nullptr;
  const hawatch_plugin* plugin_ = nullptr;
  void* state_ = nullptr;
};

}  // namespace hawatch::plugins
