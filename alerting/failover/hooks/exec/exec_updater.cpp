#include "hooks/exec/exec_updater.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "runtime/exec_runner.h"

namespace hawatch::alerting::failover {
namespace {

constexpr const char* kPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::size_t kOutputCap = 64 * 1024;
constexpr std::size_t kLoggedBytes = 512;
constexpr std::size_t kMaxValues = 64;
constexpr std::size_t kMaxValueBytes = 255;

bool valid_env_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The first executable of that name in kPath; resolved once at config time, so that the file
// run is the one the config check saw.
std::string find_in_path(const std::string& name) {
  std::string_view dirs(kPath);
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

// Reads an argv template key; `required` says whether its absence is an error.
std::optional<ArgvTemplate> read_template(MapReader& m, const YAML::Node& entry,
                                          const std::string& key, bool required,
                                          const std::vector<TemplateField>& forbidden) {
  ConfigContext& ctx = m.context();
  const std::string where = m.where() + "." + key;
  const YAML::Node at = m.node(key);
  if (!at.IsDefined() || at.IsNull()) {
    if (required) ctx.error(entry, where + " is required (a list: [program, args...])");
    return std::nullopt;
  }
  auto argv = m.string_list(key);
  if (!argv) return std::nullopt;  // reported as a wrong type
  if (argv->empty() || argv->front().empty()) {
    ctx.error(at, where + " must start with a program");
    return std::nullopt;
  }
  for (const std::string& arg : *argv) {
    if (arg.find('\0') != std::string::npos) {
      ctx.error(at, where + ": an argument holds a NUL byte");
      return std::nullopt;
    }
  }
  std::string& program = argv->front();
  if (program.find("{{") != std::string::npos) {
    ctx.error(at, where + ": the program itself cannot be a placeholder");
    return std::nullopt;
  }
  if (program.front() != '/') {
    const std::string found =
        program.find('/') == std::string::npos ? find_in_path(program) : std::string();
    if (found.empty()) {
      ctx.error(at, where + ": \"" + program +
                        "\" must be an absolute path or an executable found in " + kPath);
      return std::nullopt;
    }
    program = found;
  }
  std::string error;
  auto t = ArgvTemplate::parse(*argv, error, forbidden);
  if (!t) ctx.error(at, where + ": " + error);
  return t;
}

void read_env(MapReader& m, std::map<std::string, std::string>& out) {
  ConfigContext& ctx = m.context();
  const std::string where = m.where() + ".env";
  const YAML::Node env = m.node("env");
  if (!env.IsDefined() || env.IsNull()) return;
  if (!env.IsMap()) {
    ctx.error(env, where + " must be a mapping of variable names to values");
    return;
  }
  for (const auto& kv : env) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    if (!valid_env_name(name)) {
      ctx.error(kv.first,
                where + ": \"" + name + "\" is not a variable name ([A-Za-z_][A-Za-z0-9_]*)");
    } else if (name == "PATH" || name.rfind("HAWATCH_", 0) == 0) {
      ctx.error(kv.first, where + ": " + name + " is set by hawatch and cannot be overridden");
    } else if (!kv.second.IsScalar() || kv.second.Scalar().find('\0') != std::string::npos) {
      ctx.error(kv.second, where + "." + name + " must be a string without NUL bytes");
    } else if (!out.emplace(name, kv.second.Scalar()).second) {
      ctx.error(kv.first, where + ": " + name + " is set twice");
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

UpdateResult result_of_exit(int code) {
  switch (code) {
    case 0:
      return UpdateResult::ok;
    case kExecExitCasLost:
      return UpdateResult::cas_lost;
    case kExecExitRefused:
      return UpdateResult::refused;
    case kExecExitNotauth:
      return UpdateResult::notauth;
    case kExecExitServfail:
      return UpdateResult::servfail;
    case kExecExitTimeout:
      return UpdateResult::timeout;
    default:
      return UpdateResult::error;
  }
}

std::string seconds(Duration d) {
  return std::to_string(std::chrono::duration<double>(d).count());
}

TemplateValues values_of(const RecordRef& r, const std::string& old_value,
                         const std::string& new_value) {
  return {r.zone, r.name, r.type, std::to_string(r.ttl), old_value, new_value};
}

bool has_nul(const TemplateValues& v) {
  for (const std::string* s : {&v.zone, &v.name, &v.type, &v.old_value, &v.new_value})
    if (s->find('\0') != std::string::npos) return true;
  return false;
}

// The query command's stdout: one value per line, blank lines and surrounding blanks ignored.
std::optional<std::vector<std::string>> parse_values(const std::string& out, std::string& error) {
  std::vector<std::string> values;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    std::string_view line(out.data() + pos, end - pos);
    pos = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty()) continue;
    if (line.size() > kMaxValueBytes || values.size() == kMaxValues) {
      error = "query_command printed a value over " + std::to_string(kMaxValueBytes) +
              " bytes or more than " + std::to_string(kMaxValues) + " values";
      return std::nullopt;
    }
    values.emplace_back(line);
  }
  return values;
}

}  // namespace

std::optional<ExecHookConfig> read_exec_hook_config(const YAML::Node& node, ConfigContext& ctx,
                                                    const std::string& where) {
  MapReader m(node, ctx, where);
  if (!m.valid()) return std::nullopt;
  const std::size_t errors_before = ctx.diagnostics().size();
  ExecHookConfig c;
  if (auto t = read_template(m, node, "command", true, {})) c.command = std::move(*t);
  c.query_command = read_template(m, node, "query_command", false,
                                  {TemplateField::old_value, TemplateField::new_value});
  if (auto t = m.duration("timeout")) {
    if (t->count() <= 0 || *t > std::chrono::hours(1))
      ctx.error(m.node("timeout"), where + ".timeout must be positive and at most 1h");
    else
      c.timeout = *t;
  }
  read_env(m, c.env);
  if (auto dir = m.string("working_directory")) {
    if (dir->empty() || dir->front() != '/')
      ctx.error(m.node("working_directory"), where + ".working_directory must be an absolute path");
    else
      c.working_directory = *dir;
  }
  m.finish();
  if (ctx.diagnostics().size() != errors_before || c.command.empty()) return std::nullopt;
  return c;
}

UpdateOutcome classify_exec_update(const plugins::ExecResult& r, Duration timeout) {
  if (!r.started) return {UpdateResult::error, "cannot start: " + r.start_error};
  if (r.timed_out)
    return {UpdateResult::timeout,
            with_output("timed out after " + seconds(timeout) + " s; process group killed", r)};
  if (r.signal)
    return {UpdateResult::error, with_output("killed by signal " + std::to_string(*r.signal), r)};
  const int code = r.exit_code.value_or(-1);
  return {result_of_exit(code), with_output("exit " + std::to_string(code), r)};
}

plugins::ExecResult ExecUpdater::run(const std::vector<std::string>& argv, const TemplateValues& v,
                                     const char* mode) const {
  plugins::ExecRequest req;
  req.argv = argv;
  req.environment = {std::string("PATH=") + kPath, "LC_ALL=C"};
  for (const auto& [name, value] : config_.env) req.environment.push_back(name + "=" + value);
  req.environment.push_back("HAWATCH_DNS_MODE=" + std::string(mode));
  req.environment.push_back("HAWATCH_DNS_ZONE=" + v.zone);
  req.environment.push_back("HAWATCH_DNS_NAME=" + v.name);
  req.environment.push_back("HAWATCH_DNS_TYPE=" + v.type);
  req.environment.push_back("HAWATCH_DNS_TTL=" + v.ttl);
  req.environment.push_back("HAWATCH_DNS_OLD=" + v.old_value);
  req.environment.push_back("HAWATCH_DNS_NEW=" + v.new_value);
  req.environment.push_back("HAWATCH_TIMEOUT_SECONDS=" + seconds(config_.timeout));
  req.working_directory = config_.working_directory;
  req.deadline = std::chrono::steady_clock::now() + config_.timeout;
  // Time to clean up after SIGTERM before SIGKILL, small beside the timeout.
  req.kill_grace = std::clamp<std::chrono::milliseconds>(
      config_.timeout / 4, std::chrono::milliseconds(100), std::chrono::seconds(2));
  req.output_cap = kOutputCap;
  return plugins::run_command(req);
}

UpdateOutcome ExecUpdater::compare_and_swap(const RecordRef& record,
                                            const std::string& expected_old,
                                            const std::string& new_value) {
  const TemplateValues v = values_of(record, expected_old, new_value);
  if (has_nul(v)) return {UpdateResult::error, "a value holds a NUL byte"};
  return classify_exec_update(run(config_.command.expand(v), v, "update"), config_.timeout);
}

std::optional<std::vector<std::string>> ExecUpdater::current(const RecordRef& record,
                                                             std::string& error) {
  if (!config_.query_command) {
    error = "the exec hook has no query_command, so the record cannot be read";
    return std::nullopt;
  }
  const TemplateValues v = values_of(record, "", "");
  if (has_nul(v)) {
    error = "a value holds a NUL byte";
    return std::nullopt;
  }
  const auto r = run(config_.query_command->expand(v), v, "query");
  const UpdateOutcome out = classify_exec_update(r, config_.timeout);
  if (out.result != UpdateResult::ok) {
    error = "query_command: " + out.detail;
    return std::nullopt;
  }
  if (r.output_truncated) {
    error = "query_command printed more than " + std::to_string(kOutputCap) + " bytes";
    return std::nullopt;
  }
  return parse_values(r.output, error);
}

std::unique_ptr<DnsUpdater> read_exec_updater(const YAML::Node& node, ConfigContext& ctx,
                                              const std::string& where) {
  auto config = read_exec_hook_config(node, ctx, where);
  if (!config) return nullptr;
  return std::make_unique<ExecUpdater>(std::move(*config));
}

}  // namespace hawatch::alerting::failover
