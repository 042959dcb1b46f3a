#include "receivers/exec/exec.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "runtime/exec_runner.h"

namespace hawatch::alerting {
namespace {

constexpr std::size_t kOutputCap = 64 * 1024;
constexpr std::size_t kLoggedBytes = 512;

bool valid_env_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The first file of that name in kExecPath that we may execute; empty when there is none.
std::string find_in_path(const std::string& name) {
  std::string_view dirs(kExecPath);
  while (!dirs.empty()) {
    const std::size_t colon = dirs.find(':');
    const std::string candidate = std::string(dirs.substr(0, colon)) + "/" + name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0)
      return candidate;
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
  }
  return {};
}

void read_command(MapReader& m, const YAML::Node& entry, ExecConfig& c, const std::string& where) {
  ConfigContext& ctx = m.context();
  const YAML::Node at = m.node("command");
  if (!at.IsDefined() || at.IsNull()) {
    ctx.error(entry, where + ".command is required (a list: [program, args...])");
    return;
  }
  auto command = m.string_list("command");
  if (!command) return;  // reported as a wrong type
  if (command->empty() || command->front().empty()) {
    ctx.error(at, where + ".command must start with a program");
    return;
  }
  for (const std::string& arg : *command) {
    if (arg.find('\0') != std::string::npos) {
      ctx.error(at, where + ".command: an argument holds a NUL byte");
      return;
    }
  }
  std::string& program = command->front();
  if (program.front() != '/') {
    if (program.find('/') != std::string::npos) {
      ctx.error(at, where + ".command: \"" + program +
                        "\" must be an absolute path or a bare name found in PATH");
      return;
    }
    const std::string found = find_in_path(program);
    if (found.empty()) {
      ctx.error(at, where + ".command: \"" + program + "\" is not an executable in " + kExecPath);
      return;
    }
    program = found;
  }
  c.command = std::move(*command);
}

void read_env(MapReader& m, ExecConfig& c, const std::string& where) {
  ConfigContext& ctx = m.context();
  const YAML::Node env = m.node("env");
  if (!env.IsDefined() || env.IsNull()) return;
  if (!env.IsMap()) {
    ctx.error(env, where + ".env must be a mapping of variable names to values");
    return;
  }
  for (const auto& kv : env) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!valid_env_name(name)) {
      ctx.error(kv.first,
                where + ".env: \"" + name + "\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
    } else if (name == "PATH" || name.rfind("HAWATCH_", 0) == 0) {
      ctx.error(kv.first, where + ".env: " + name + " is set by hawatch and cannot be overridden");
    } else if (!kv.second.IsScalar() || kv.second.Scalar().find('\0') != std::string::npos) {
      ctx.error(kv.second, where + ".env." + name + " must be a string without NUL bytes");
    } else if (!c.env.emplace(name, kv.second.Scalar()).second) {
      ctx.error(kv.first, where + ".env: " + name + " is set twice");
    }
  }
}

std::string excerpt(const std::string& text) {
  std::string out = text.substr(0, kLoggedBytes);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return text.size() > kLoggedBytes ? out + "..." : out;
}

std::string with_output(std::string detail, const plugins::ExecResult& r) {
  if (!r.errors.empty()) detail += "; stderr: " + excerpt(r.errors);
  if (!r.output.empty()) detail += "; stdout: " + excerpt(r.output);
  return detail;
}

bool permanent_exit(int code) {
  static const std::set<int> codes{64, 65, 66, 67, 68, 77};
  return codes.count(code) > 0;
}

}  // namespace

ExecConfig read_exec_config(const YAML::Node& node, ConfigContext& ctx, const std::string& where) {
  MapReader m(node, ctx, where);
  ExecConfig c;
  if (!m.valid()) return c;
  read_command(m, node, c, where);
  if (auto t = m.duration("timeout")) {
    if (t->count() <= 0 || *t > std::chrono::hours(1)) {
      ctx.error(m.node("timeout"), where + ".timeout must be positive and at most 1h");
    } else {
      c.timeout = std::chrono::duration_cast<Duration>(*t);
    }
  }
  c.send_resolved = m.boolean("send_resolved").value_or(true);
  c.max_alerts = static_cast<std::size_t>(m.integer("max_alerts", 0, 1 << 20).value_or(0));
  read_env(m, c, where);
  if (auto dir = m.string("working_directory")) {
    if (dir->empty() || dir->front() != '/') {
      ctx.error(m.node("working_directory"), where + ".working_directory must be an absolute path");
    } else {
      c.working_directory = *dir;
    }
  }
  c.external_url = m.string("external_url").value_or("");
  m.finish();
  return c;
}

DeliveryResult classify_exec_result(const plugins::ExecResult& r, Duration timeout) {
  using Outcome = DeliveryResult::Outcome;
  if (!r.started) return {Outcome::retry, "cannot start: " + r.start_error};
  if (r.timed_out) {
    return {Outcome::retry,
            with_output("timed out after " +
                            std::to_string(std::chrono::duration<double>(timeout).count()) +
                            " s; process group killed",
                        r)};
  }
  if (r.signal)
    return {Outcome::retry, with_output("killed by signal " + std::to_string(*r.signal), r)};
  const int code = r.exit_code.value_or(-1);
  if (code == 0)
    return {Outcome::delivered,
            r.input_incomplete ? "exit 0 (did not read all of stdin)" : "exit 0"};
  return {permanent_exit(code) ? Outcome::permanent : Outcome::retry,
          with_output("exit " + std::to_string(code), r)};
}

DeliveryResult ExecIntegration::deliver(const std::string& body,
                                        const std::string& idempotency_key) {
  const auto message = decode_exec_message(body);
  if (!message) return {DeliveryResult::Outcome::permanent, "spooled body is not an exec message"};
  plugins::ExecRequest req;
  req.argv = config_.command;
  req.environment = {std::string("PATH=") + kExecPath, "LC_ALL=C"};
  for (const auto& [name, value] : config_.env) req.environment.push_back(name + "=" + value);
  // Only our own variables from the spooled body: PATH and the fixed ones stay what the config
  // says.
  for (const std::string& e : message->environment)
    if (e.rfind("HAWATCH_", 0) == 0) req.environment.push_back(e);
  req.environment.push_back("HAWATCH_IDEMPOTENCY_KEY=" + idempotency_key);
  req.environment.push_back("HAWATCH_TIMEOUT_SECONDS=" +
                            std::to_string(std::chrono::duration<double>(config_.timeout).count()));
  req.input = message->input;
  req.working_directory = config_.working_directory;
  req.deadline = std::chrono::steady_clock::now() + config_.timeout;
  // Time to clean up after SIGTERM before SIGKILL, small beside the timeout.
  req.kill_grace = std::clamp<std::chrono::milliseconds>(
      config_.timeout / 4, std::chrono::milliseconds(100), std::chrono::seconds(2));
  req.output_cap = kOutputCap;
  return classify_exec_result(plugins::run_command(req), config_.timeout);
}

void add_exec_integrations(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                           std::vector<std::shared_ptr<Integration>>& out) {
  for_each_list_entry(list, ctx, where, [&](const YAML::Node& item, const std::string& at) {
    ExecConfig c = read_exec_config(item, ctx, at);
    if (!c.command.empty()) out.push_back(std::make_shared<ExecIntegration>(std::move(c)));
  });
}

}  // namespace hawatch::alerting
