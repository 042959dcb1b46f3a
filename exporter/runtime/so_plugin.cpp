#include "so_plugin.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "core/log.h"
#include "host_protocol.h"

namespace hawatch::plugins {
namespace {

// A sanitized build hands its sanitizers' options on to the plugin host, so that the host's
// reports go where the daemon's go (scripts/sanitize.sh counts them) and a test can tune them;
// an ordinary build passes the host nothing of its environment.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HAWATCH_SANITIZED_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define HAWATCH_SANITIZED_BUILD 1
#endif
#endif

std::vector<std::string> host_environment(const std::string& plugin) {
  std::vector<std::string> env = {
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
      "HAWATCH_PLUGIN=" + plugin};
#ifdef HAWATCH_SANITIZED_BUILD
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"})
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
#endif
  return env;
}

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds ms(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }

Labels plugin_labels(const std::string& name) { return {Label{"plugin", name}}; }

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

std::string default_plugin_host_path() {
  if (const char* env = std::getenv("HAWATCH_PLUGIN_HOST"); env && *env) return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return (self.parent_path() / "hawatch-plugin-host").string();
  return "hawatch-plugin-host";
}

IsolatedPlugin::IsolatedPlugin(SoPluginSpec spec)
    : spec_(std::move(spec)),
      health_(ms(spec_.interval), std::max<std::chrono::milliseconds>(ms(spec_.interval), std::chrono::minutes(5))) {}

IsolatedPlugin::~IsolatedPlugin() { stop_host(true); }

std::string IsolatedPlugin::start_host(Clock::time_point deadline) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return std::string("socketpair: ") + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 0);
  posix_spawn_file_actions_adddup2(&actions, sv[1], 1);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string a0 = spec_.host_path, a1 = spec_.file;
  char* argv[] = {a0.data(), a1.data(), nullptr};
  std::vector<std::string> env = host_environment(spec_.name);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const int rc = ::posix_spawn(&pid_, a0.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(sv[1]);
  if (rc != 0) {
    ::close(sv[0]);
    pid_ = -1;
    return "cannot start " + spec_.host_path + ": " + std::strerror(rc);
  }
  fd_ = sv[0];
  health_.count_restart();
  std::string err = write_frame(fd_, "INIT\n" + encode_settings(spec_.settings), deadline);
  if (!err.empty()) return "plugin host: " + err;
  auto reply = read_frame(fd_, deadline, err);
  if (!reply) return "plugin host did not answer INIT: " + err + exit_reason();
  if (reply->rfind("OK", 0) == 0) return {};
  const auto f = split_fields(*reply);
  return f.size() >= 2 && f[0] == "ERR" ? f[1] : "unexpected reply to INIT";
}

// After a failure: how the host ended, e.g. " (host killed by signal 11)".
std::string IsolatedPlugin::exit_reason() {
  if (pid_ < 0) return {};
  int status = 0;
  // The socket closed when the host died; give the kernel a moment to report it.
  for (int i = 0; i < 20; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFSIGNALED(status)) return " (host killed by signal " + std::to_string(WTERMSIG(status)) + ")";
      if (WIFEXITED(status)) return " (host exited with code " + std::to_string(WEXITSTATUS(status)) + ")";
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

void IsolatedPlugin::stop_host(bool graceful) {
  if (fd_ >= 0 && pid_ > 0 && graceful) {
    // Lets the plugin's shutdown() run; a host that does not answer quickly is killed anyway.
    const auto deadline = Clock::now() + std::chrono::milliseconds(500);
    std::string err;
    if (write_frame(fd_, "SHUTDOWN", deadline).empty()) (void)read_frame(fd_, deadline, err);
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

void IsolatedPlugin::collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) {
  const auto started = Clock::now();
  const std::string where = "plugin/" + spec_.name;
  auto fail = [&](const std::string& why, bool timed_out) {
    stop_host(false);
    health_.failed(seconds_since(started), timed_out, Clock::now());
    problems.push_back({where + ": " + why});
    log::error("plugin failed", {{"plugin", spec_.name}, {"file", spec_.file}, {"err", why}});
    health_.emit(sink, plugin_labels(spec_.name), true);
  };
  if (health_.in_backoff(started)) {
    problems.push_back({where + ": backing off after " + std::to_string(health_.consecutive_failures()) +
                        " failures; next attempt in " + std::to_string(health_.backoff_left(started).count()) + "ms"});
    health_.emit(sink, plugin_labels(spec_.name), true);
    return;
  }
  // Keep a little of the unit's time for killing and reporting.
  const auto deadline = ctx.deadline - std::min<Clock::duration>(std::chrono::milliseconds(200), (ctx.deadline - started) / 5);
  if (pid_ < 0) {
    if (auto err = start_host(deadline); !err.empty()) return fail(err, false);
  }
  const double timeout = std::chrono::duration<double>(deadline - Clock::now()).count();
  std::string err = write_frame(fd_, "COLLECT\t" + std::to_string(std::max(timeout, 0.0)), deadline);
  if (!err.empty()) return fail("plugin host: " + err + exit_reason(), err == "timed out");
  auto reply = read_frame(fd_, deadline, err);
  if (!reply) {
    const bool timed_out = err == "timed out";
    return fail(timed_out ? "collect did not finish in time; plugin host killed"
                          : "plugin host died during collect" + exit_reason(),
                timed_out);
  }
  std::optional<PluginRun> run;
  if (reply->rfind("RUN\n", 0) == 0) run = decode_run(reply->substr(4));
  if (!run) return fail("garbled reply from plugin host", false);
  std::vector<std::string> sink_problems = run->problems;
  run_to_sink(*run, spec_.name, sink, sink_problems);
  for (auto& p : sink_problems) problems.push_back({where + ": " + p});
  if (run->rc != 0) {
    health_.failed(seconds_since(started), false, Clock::now());
    problems.push_back({where + ": collect returned " + std::to_string(run->rc)});
  } else {
    health_.succeeded(seconds_since(started));
  }
  health_.emit(sink, plugin_labels(spec_.name), true);
}

InProcessPlugin::InProcessPlugin(SoPluginSpec spec)
    : spec_(std::move(spec)),
      health_(ms(spec_.interval), std::max<std::chrono::milliseconds>(ms(spec_.interval), std::chrono::minutes(5))) {}

void InProcessPlugin::collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) {
  const auto started = Clock::now();
  const std::string where = "plugin/" + spec_.name;
  if (health_.in_backoff(started)) {
    problems.push_back({where + ": backing off after " + std::to_string(health_.consecutive_failures()) + " failures"});
    health_.emit(sink, plugin_labels(spec_.name));
    return;
  }
  if (!library_) {
    try {
      library_ = std::make_unique<PluginLibrary>(spec_.file, spec_.settings);
      log::info("plugin loaded in process", {{"plugin", spec_.name}, {"file", spec_.file}});
    } catch (const PluginLoadError& e) {
      health_.failed(seconds_since(started), false, Clock::now());
      problems.push_back({where + ": " + e.what()});
      log::error("plugin not loaded", {{"plugin", spec_.name}, {"err", e.what()}});
      health_.emit(sink, plugin_labels(spec_.name));
      return;
    }
  }
  const PluginRun run = library_->collect(std::chrono::duration<double>(ctx.remaining()).count());
  std::vector<std::string> sink_problems = run.problems;
  run_to_sink(run, spec_.name, sink, sink_problems);
  for (auto& p : sink_problems) problems.push_back({where + ": " + p});
  if (run.rc != 0) {
    health_.failed(seconds_since(started), false, Clock::now());
    problems.push_back({where + ": collect returned " + std::to_string(run.rc)});
  } else {
    health_.succeeded(seconds_since(started));
  }
  health_.emit(sink, plugin_labels(spec_.name));
}

}  // namespace hawatch::plugins
