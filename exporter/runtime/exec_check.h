#pragma once
// One `plugins.exec` entry as a scheduled unit ("exec/<name>"): runs the command through
// run_command() and turns its output (Nagios or Prometheus text) into samples.

#include <mutex>
#include <string>
#include <vector>

#include "core/collector.h"
#include "exec_runner.h"
#include "run_health.h"

namespace hawatch::plugins {

enum class ExecFormat { nagios, prometheus };

struct ExecCheckSpec {
  std::string name;
  std::vector<std::string> command;
  ExecFormat format = ExecFormat::nagios;
  Duration interval{std::chrono::seconds(30)};
  Duration timeout{std::chrono::seconds(10)};
  std::size_t output_cap = 1 << 20;
  std::vector<std::string> environment;  // "HAWATCH_*=..." plus the fixed clean base
};

class ExecCheck : public Collector {
 public:
  explicit ExecCheck(ExecCheckSpec spec);
  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override;

 private:
  void emit_nagios(const ExecResult& r, MetricSink& sink, std::vector<CollectProblem>& problems);
  void emit_prometheus(const ExecResult& r, MetricSink& sink, std::vector<CollectProblem>& problems);

  ExecCheckSpec spec_;
  Labels labels_;
  RunHealth health_;
  int last_status_ = 3;
};

// The environment a check runs with: a fixed PATH, LC_ALL=C (Nagios plugins print locale-formatted
// numbers otherwise) and HAWATCH_* variables describing the check and the host.
std::vector<std::string> exec_environment(const std::string& check, Duration timeout,
                                          const Environment& env);

}  // namespace hawatch::plugins
