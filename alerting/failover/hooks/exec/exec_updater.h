#pragma once
// The exec hook: a command of the admin's changes the record (a provider's CLI, a script around
// nsupdate). YAML:
//
//   exec:
//     command: [/usr/local/bin/dns-set, "{{zone}}", "{{name}}", "{{type}}", "{{old}}", "{{new}}"]
//     query_command: [/usr/local/bin/dns-get, "{{zone}}", "{{name}}", "{{type}}"]   # optional
//     timeout: 10s            # per run; the whole process group is killed at the deadline
//     env: { KEY: value }     # optional fixed variables
//     working_directory: /    # optional, absolute
//
// The placeholders (argv_template.h) are replaced inside the arguments; the same values are in
// the environment: HAWATCH_DNS_ZONE, HAWATCH_DNS_NAME, HAWATCH_DNS_TYPE, HAWATCH_DNS_TTL,
// HAWATCH_DNS_OLD, HAWATCH_DNS_NEW, and HAWATCH_DNS_MODE (update | query). Nothing of the
// daemon's environment is passed on (PATH is fixed, LC_ALL=C). Never a shell: argv goes to
// execve as it is. The command runs through the shared runner (exporter/runtime/exec_runner.h):
// its own process group, SIGTERM then SIGKILL to the group at the timeout.
//
// The update command must itself compare and swap (change the record only while it holds
// {{old}}), and says what happened by its exit code:
//   0   ok         the record now holds {{new}}
//   10  cas_lost   the record held something else; nothing was changed
//   11  refused    the server or provider refused the change (permissions, policy)
//   12  notauth    the credentials were rejected
//   13  servfail   the server failed
//   14  timeout    the server did not answer in time
//   the run timing out                     -> timeout (the group is killed)
//   any other code, a signal, not startable -> error
// The detail string has the exit code and the start of stderr/stdout.
//
// current() runs query_command, which prints the values the record serves now, one per line
// (empty output: the record does not exist) and exits 0; without query_command, current() is
// unsupported and reports that, so the controller cannot verify a write or learn the record's
// state at start (configure a query command, e.g. around dig, whenever possible).

#include <yaml-cpp/yaml.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "hooks/dns_update.h"
#include "hooks/exec/argv_template.h"

namespace hawatch::plugins {
struct ExecResult;
}

namespace hawatch::alerting::failover {

// The exit codes of the table above.
inline constexpr int kExecExitCasLost = 10;
inline constexpr int kExecExitRefused = 11;
inline constexpr int kExecExitNotauth = 12;
inline constexpr int kExecExitServfail = 13;
inline constexpr int kExecExitTimeout = 14;

struct ExecHookConfig {
  ArgvTemplate command;
  std::optional<ArgvTemplate> query_command;
  Duration timeout = std::chrono::seconds(10);
  std::map<std::string, std::string> env;
  std::string working_directory;
};

// Reads the `exec:` block; null when it has errors (reported to `ctx`).
std::optional<ExecHookConfig> read_exec_hook_config(const YAML::Node& node, ConfigContext& ctx,
                                                    const std::string& where);

// The exit table above applied to one run of the update command.
UpdateOutcome classify_exec_update(const plugins::ExecResult& result, Duration timeout);

class ExecUpdater : public DnsUpdater {
 public:
  explicit ExecUpdater(ExecHookConfig config) : config_(std::move(config)) {}
  std::string_view kind() const override { return "exec"; }
  UpdateOutcome compare_and_swap(const RecordRef& record, const std::string& expected_old,
                                 const std::string& new_value) override;
  std::optional<std::vector<std::string>> current(const RecordRef& record,
                                                  std::string& error) override;

 private:
  plugins::ExecResult run(const std::vector<std::string>& argv, const TemplateValues& values,
                          const char* mode) const;
  ExecHookConfig config_;
};

std::unique_ptr<DnsUpdater> read_exec_updater(const YAML::Node& node, ConfigContext& ctx,
                                              const std::string& where);

}  // namespace hawatch::alerting::failover
