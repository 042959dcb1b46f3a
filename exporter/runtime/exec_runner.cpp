#include "exec_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace hawatch::plugins {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

bool make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
  return true;
}

// Reads what is available; returns false at EOF.
bool drain(int fd, std::string& into, std::size_t cap, bool& truncated) {
  std::array<char, 16384> buf;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) {
      const std::size_t room = into.size() < cap ? cap - into.size() : 0;
      into.append(buf.data(), std::min<std::size_t>(room, static_cast<std::size_t>(n)));
      if (static_cast<std::size_t>(n) > room) truncated = true;
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

int poll_timeout_ms(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 50));
}

}  // namespace

ExecResult run_command(const ExecRequest& req) {
  ExecResult r;
  const auto started = Clock::now();
  if (req.argv.empty()) {
    r.start_error = "empty command";
    return r;
  }
  Fd out_r, out_w, err_r, err_w;
  if (!make_pipe(out_r, out_w) || !make_pipe(err_r, err_w)) {
    r.start_error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  // Nothing of the daemon's (sockets, the plugin hosts' pipes) leaks into a check.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Own process group (so a timeout kills its children too); the daemon blocks SIGTERM/SIGHUP for
  // sigtimedwait and that mask would otherwise be inherited, making the check immune to SIGTERM.
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv, envp;
  for (const auto& a : req.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : req.environment) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  out_w.reset();
  err_w.reset();
  if (rc != 0) {
    r.start_error = req.argv[0] + ": " + std::strerror(rc);
    r.duration = Clock::now() - started;
    return r;
  }
  r.started = true;
  ::fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_r.get(), F_SETFL, O_NONBLOCK);

  bool out_open = true, err_open = true, exited = false, err_truncated = false;
  int status = 0;
  std::optional<Clock::time_point> kill_at;  // set once SIGTERM went out
  // Runs until the command exited and its output is closed, or the deadline plus grace passed.
  for (;;) {
    if (!exited) {
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) exited = true;
    }
    // The command is gone: a child that kept our pipes open is not worth waiting for.
    if (exited && !kill_at) {
      ::kill(-pid, SIGKILL);
      if (out_open) drain(out_r.get(), r.output, req.output_cap, r.output_truncated);
      if (err_open) drain(err_r.get(), r.errors, 4096, err_truncated);
      break;
    }
    const auto now = Clock::now();
    if (!kill_at && now >= req.deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGTERM);
      kill_at = now + req.kill_grace;
    }
    if (kill_at && now >= *kill_at) {
      ::kill(-pid, SIGKILL);
      if (!exited) ::waitpid(pid, &status, 0);  // SIGKILL cannot be ignored: this returns
      exited = true;
      break;
    }
    if (kill_at && exited) {
      // Terminated in the grace period; kill what else is left of the group now.
      ::kill(-pid, SIGKILL);
      break;
    }
    std::array<pollfd, 2> fds{pollfd{out_open ? out_r.get() : -1, POLLIN, 0},
                              pollfd{err_open ? err_r.get() : -1, POLLIN, 0}};
    const int n = ::poll(fds.data(), fds.size(), poll_timeout_ms(kill_at.value_or(req.deadline)));
    if (n > 0) {
      if (out_open && fds[0].revents) out_open = drain(out_r.get(), r.output, req.output_cap, r.output_truncated);
      if (err_open && fds[1].revents) err_open = drain(err_r.get(), r.errors, 4096, err_truncated);
    }
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.duration = Clock::now() - started;
  return r;
}

}  // namespace hawatch::plugins
