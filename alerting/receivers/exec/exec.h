#pragma once
// The exec integration: runs a command for each notification, argv only (never a shell), with
// the alert group as JSON on stdin and key values in the environment (exec_message.h). The
// command runs through the exec checks' runner (exporter/runtime/exec_runner.h): its own process
// group, a minimal environment (PATH fixed, LC_ALL=C, the variables of `env`, the HAWATCH_* ones;
// nothing of the daemon's), stdout and stderr captured up to a cap. At `timeout` the whole group
// gets SIGTERM, and SIGKILL after a grace period; processes that left the group with setsid are
// adopted by the daemon (a child subreaper) and killed as well.
//
// How the exit is taken (the spool retries until its deadline, so at-least-once holds):
//   0                               delivered
//   64 65 66 67 68 77 (sysexits:   permanent: the command says this notification can never be
//   USAGE DATAERR NOINPUT NOUSER    delivered, so it is given up at once (logged, counted)
//   NOHOST NOPERM)
//   any other code (1, 75 TEMPFAIL, retried: a script's plain failure is most often a transient
//   126, 127, ...), a signal, the   one of what it calls (a network blip), and giving up on it
//   timeout, not startable          would lose the alert; a broken script keeps failing and is
//                                   given up at the deadline, with its output in the log
// The command may run more than once for one notification (a retry, a restart before the result
// was recorded): HAWATCH_IDEMPOTENCY_KEY is the same for every attempt, for dropping duplicates.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "notify/integration.h"
#include "receivers/exec/exec_message.h"

namespace hawatch::plugins {
struct ExecResult;
}

namespace hawatch::alerting {

struct ExecConfig {
  std::vector<std::string> command;  // argv; argv[0] absolute (a bare name is resolved in PATH)
  Duration timeout = std::chrono::seconds(10);
  bool send_resolved = true;
  std::size_t max_alerts = 0;
  std::map<std::string, std::string> env;  // extra fixed variables
  std::string working_directory;           // empty: the daemon's
  std::string external_url;                // the message's externalURL
};

// The PATH of every command; a bare program name in `command` is looked up in it once, when the
// config is read, so the file run is the one the config check saw.
inline constexpr const char* kExecPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Reads one exec_configs entry; `where` names it in messages.
ExecConfig read_exec_config(const YAML::Node& node, ConfigContext& ctx, const std::string& where);

class ExecIntegration : public Integration {
 public:
  explicit ExecIntegration(ExecConfig config) : config_(std::move(config)) {}
  std::string_view kind() const override { return "exec"; }
  bool send_resolved() const override { return config_.send_resolved; }
  std::string render(const NotifyContext& ctx, const std::vector<Alert>& alerts) const override {
    return encode_exec_message(
        make_exec_message(ctx, alerts, {config_.external_url, config_.max_alerts}));
  }
  DeliveryResult deliver(const std::string& body, const std::string& idempotency_key) override;
  const ExecConfig& config() const { return config_; }

 private:
  ExecConfig config_;
};

// The exit table above, with the command's output in the detail for the log.
DeliveryResult classify_exec_result(const plugins::ExecResult& result, Duration timeout);

// One integration per entry of a receiver's `exec_configs` list (null or absent: none).
void add_exec_integrations(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                           std::vector<std::shared_ptr<Integration>>& out);

}  // namespace hawatch::alerting
