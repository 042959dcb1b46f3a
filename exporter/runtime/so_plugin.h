#pragma once
// A `plugins.load` entry as a scheduled unit ("plugin/<name>"): either isolated in its own
// hawatch-plugin-host process (the default) or, with `in_process: true`, loaded into the daemon.

#include <sys/types.h>

#include <memory>
#include <string>

#include "core/collector.h"
#include "plugin_library.h"
#include "run_health.h"

namespace hawatch::plugins {

struct SoPluginSpec {
  std::string name;  // the config entry's name: label `plugin`
  std::string file;  // absolute path of the .so
  PluginSettings settings;
  Duration interval{std::chrono::seconds(30)};
  std::string host_path;  // hawatch-plugin-host; empty for in-process plugins
};

// Runs the plugin in a child process; a crash, hang, garbled reply or init error kills that
// process, marks the plugin down and restarts it on a later run with bounded backoff.
class IsolatedPlugin : public Collector {
 public:
  explicit IsolatedPlugin(SoPluginSpec spec);
  ~IsolatedPlugin() override;
  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override;

 private:
  std::string start_host(std::chrono::steady_clock::time_point deadline);
  void stop_host(bool graceful);
  std::string exit_reason();

  SoPluginSpec spec_;
  RunHealth health_;
  pid_t pid_ = -1;
  int fd_ = -1;
};

// Loads the plugin into the daemon (trusted code only: a crash here is a crash of hawatch).
class InProcessPlugin : public Collector {
 public:
  explicit InProcessPlugin(SoPluginSpec spec);
  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override;

 private:
  SoPluginSpec spec_;
  RunHealth health_;
  std::unique_ptr<PluginLibrary> library_;
};

// hawatch-plugin-host next to the running executable, or $HAWATCH_PLUGIN_HOST when set.
std::string default_plugin_host_path();

}  // namespace hawatch::plugins
