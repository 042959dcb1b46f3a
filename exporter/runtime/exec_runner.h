#pragma once
// Runs one command with a hard deadline: argv only (never a shell), its own process group, a clean
// environment, stdin from /dev/null or a given input, stdout+stderr captured up to a size cap.
// Shared by the exec checks and the exec notification receiver (alerting/receivers/exec), so that
// there is one registry of running commands for the sweep of escaped processes below. On the deadline the
// whole group gets SIGTERM, then SIGKILL after a grace period; when the command exits, whatever it
// left behind in its group is killed too, so no process of a check outlives the check. The process
// becomes a child subreaper (PR_SET_CHILD_SUBREAPER) at the first command, so that children which
// leave the group with setsid are adopted by it rather than by init, and are killed and reaped
// as well (see exec_runner.cpp).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hawatch::plugins {

struct ExecRequest {
  std::vector<std::string> argv;         // argv[0] is the program path (no PATH search)
  std::vector<std::string> environment;  // "KEY=value"; nothing else is inherited
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds kill_grace{500};  // between SIGTERM and SIGKILL
  std::size_t output_cap = 1 << 20;           // bytes of stdout kept; the rest is read and dropped
  std::size_t error_cap = 4096;               // bytes of stderr kept
  // Written to the command's stdin (a pipe, closed after the last byte); unset: /dev/null.
  std::optional<std::string> input;
  std::string working_directory;  // empty: the caller's own
};

struct ExecResult {
  bool started = false;
  std::string start_error;         // why the command could not be started
  std::optional<int> exit_code;    // set when it exited normally
  std::optional<int> signal;       // set when a signal ended it
  bool timed_out = false;
  bool output_truncated = false;
  bool input_incomplete = false;  // the command closed its stdin before reading all of `input`
  std::string output;  // stdout (Nagios and Prometheus output go there)
  std::string errors;  // stderr, capped at error_cap, for logs
  std::chrono::duration<double> duration{};
};

ExecResult run_command(const ExecRequest& request);

// For shutdown: kills every command still running, with its group, and every process that escaped
// a command's group; returns how many it reaped besides the commands' main processes.
int stop_all_commands();

}  // namespace hawatch::plugins
