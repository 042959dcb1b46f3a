#pragma once
// Loads rule files into groups and evaluates each group on its interval (Prometheus
// rules/manager.go), keeping alert state across reloads and, through a state file, restarts.
// The manager owns no thread: the daemon calls evaluate_due() from its scheduler.

#include <memory>
#include <string>
#include <vector>

#include "alert_state_file.h"
#include "group.h"

namespace hawatch::rules {

struct ManagerOptions {
  Millis default_interval = std::chrono::minutes(1);  // global.evaluation_interval
  TemplateContext context;                            // external labels and URL
  Millis resend_delay = std::chrono::minutes(1);      // Prometheus' --rules.alert.resend-delay
  std::string state_file;                             // empty: alert state is not persisted
  NotifyFunc notify;
  RuleFileLimits limits;
  promql::EvalOptions eval;
};

class Manager {
 public:
  explicit Manager(ManagerOptions options);

  // Replaces the groups with those of the files; on any error the old groups stay and the errors
  // are returned (a bad reload keeps the running rules). Alerts of rules that keep their file,
  // group and name carry over.
  std::vector<FileError> load(const std::vector<std::string>& patterns,
                              const std::string& base_dir);
  // The same with rule files already read (for --check-config and tests).
  std::vector<FileError> load(RuleFiles files);

  // Restores saved alerts into the loaded rules; a corrupt or foreign file is reported (the
  // returned message) and ignored.
  std::string restore_state();
  // Writes the state file (when the state changed since the last write); an error message or "".
  std::string save_state();

  // Evaluates every group whose time has come at `now`; returns the next time one is due.
  Timestamp evaluate_due(Timestamp now, promql::MemoryStorage& storage);

  // The last state-file write's error after evaluate_due(), empty when it worked.
  const std::string& state_error() const { return state_error_; }

  std::vector<std::unique_ptr<Group>>& groups() { return groups_; }
  const std::vector<std::unique_ptr<Group>>& groups() const { return groups_; }

  // When group g is next evaluated at or after t: multiples of its interval shifted by a stable
  // per-group offset, so groups do not all run at once (as Prometheus' EvalTimestamp).
  static Timestamp next_evaluation(const Group& g, Timestamp t);

 private:
  ManagerOptions options_;
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<Timestamp> next_due_;
  std::string state_error_;
  std::string last_saved_;
};

}  // namespace hawatch::rules
