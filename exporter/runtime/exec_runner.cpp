#include "exec_runner.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

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

// Writes what the pipe takes now; false once all of `data` is written or the pipe broke. SIGPIPE
// is blocked around the write, and a pending one taken back, so that a command closing its stdin
// early is an EPIPE here rather than the end of the caller.
bool feed(int fd, const std::string& data, std::size_t& offset) {
  sigset_t pipe_only, old;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  bool open = true;
  while (offset < data.size()) {
    const ssize_t n =
        ::write(fd, data.data() + offset, std::min<std::size_t>(data.size() - offset, 1 << 16));
    if (n > 0) {
      offset += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EPIPE && !sigismember(&old, SIGPIPE)) {
      const timespec zero{};
      ::sigtimedwait(&pipe_only, nullptr, &zero);
    }
    open = false;
    break;
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return open && offset < data.size();
}

int poll_timeout_ms(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 50));
}

// ---- what a check leaves behind -----------------------------------------------------------
//
// A check's children normally die with its process group. One that calls setsid (a daemonising
// script, "setsid cmd &") leaves the group and, once its parent exits, would be adopted by init
// and live on. The daemon is a child subreaper instead, so such orphans become its children and
// are found here: children of ours in another session than ours are escaped check processes (no
// part of hawatch starts a child in a session of its own), and children in a finished check's
// process group are its leftovers. Both are killed and reaped. Which check an escaped process
// came from is not recorded anywhere, so one is spared while a check that started before it
// still runs (it may be that check's helper); it goes when no such check is left.

struct ProcEntry {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  unsigned long long start = 0;  // clock ticks after boot
};

// Fields 4-6 and 22 of /proc/PID/stat; comm (field 2) may hold spaces and parentheses.
bool read_proc_entry(pid_t pid, ProcEntry& e) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  Fd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return false;
  char buf[1024];
  const ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');
  if (!close) return false;
  char state = 0;
  int ppid = 0, pgrp = 0, session = 0;
  unsigned long long start = 0;
  if (std::sscanf(close + 1,
                  " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                  &state, &ppid, &pgrp, &session, &start) != 5)
    return false;
  e = ProcEntry{pid, ppid, pgrp, session, start};
  return true;
}

// The pids in "/proc/self/task/TID/children" of every thread (CONFIG_PROC_CHILDREN): a few
// small files instead of every process's stat. False when the kernel does not provide them.
bool children_from_tasks(std::vector<pid_t>& pids) {
  DIR* tasks = ::opendir("/proc/self/task");
  if (!tasks) return false;
  bool any_file = false;
  while (const dirent* t = ::readdir(tasks)) {
    if (t->d_name[0] == '.') continue;
    const std::string path = std::string("/proc/self/task/") + t->d_name + "/children";
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) continue;
    any_file = true;
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;)
      text.append(buf, static_cast<std::size_t>(n));
    for (const char* p = text.c_str(); *p;) {
      char* end = nullptr;
      const long pid = std::strtol(p, &end, 10);
      if (end == p) break;
      if (pid > 0) pids.push_back(static_cast<pid_t>(pid));
      p = end;
    }
  }
  ::closedir(tasks);
  return any_file;
}

std::vector<ProcEntry> our_children() {
  std::vector<ProcEntry> out;
  const pid_t self = ::getpid();
  std::vector<pid_t> pids;
  if (!children_from_tasks(pids)) {
    DIR* dir = ::opendir("/proc");
    if (!dir) return out;
    while (const dirent* d = ::readdir(dir)) {
      char* end = nullptr;
      const long pid = std::strtol(d->d_name, &end, 10);
      if (*end == '\0' && pid > 0) pids.push_back(static_cast<pid_t>(pid));
    }
    ::closedir(dir);
  }
  for (const pid_t pid : pids) {
    ProcEntry e;
    if (read_proc_entry(pid, e) && e.ppid == self) out.push_back(e);
  }
  return out;
}

struct Running {
  std::mutex mutex;
  std::map<pid_t, unsigned long long> groups;  // process group (= pid) -> start, of those running
};

Running& running() {
  static Running r;
  return r;
}

unsigned long long start_of(pid_t pid) {
  ProcEntry e;
  return read_proc_entry(pid, e) ? e.start : 0;
}

// Kills and reaps our children that `leftover` selects, again as killing one orphans its own
// children to us, until none is left or `within` passed.
template <typename Leftover>
int sweep(Leftover leftover, std::chrono::milliseconds within) {
  int killed = 0;
  const auto until = Clock::now() + within;
  for (;;) {
    bool found = false;
    for (const auto& e : our_children()) {
      if (!leftover(e)) continue;
      found = true;
      ::kill(e.pid, SIGKILL);
      if (::waitpid(e.pid, nullptr, WNOHANG) == e.pid) ++killed;
    }
    if (!found || Clock::now() >= until) return killed;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// After the command whose group is `group` ended: its leftovers, and the escaped processes that
// no running command can own (all of those started after them).
void clean_up_after(pid_t group) {
  const pid_t session = ::getsid(0);
  unsigned long long first_running_start = ~0ull;
  {
    std::lock_guard lock(running().mutex);
    running().groups.erase(group);
    for (const auto& [pid, start] : running().groups)
      first_running_start = std::min(first_running_start, start);
  }
  sweep(
      [&](const ProcEntry& e) {
        return e.pgrp == group || (e.session != session && e.start < first_running_start);
      },
      std::chrono::seconds(1));
}

void become_subreaper() {
  static std::once_flag once;
  std::call_once(once, [] { ::prctl(PR_SET_CHILD_SUBREAPER, 1); });
}

}  // namespace

ExecResult run_command(const ExecRequest& req) {
  ExecResult r;
  const auto started = Clock::now();
  if (req.argv.empty()) {
    r.start_error = "empty command";
    return r;
  }
  Fd in_r, in_w, out_r, out_w, err_r, err_w;
  if (!make_pipe(out_r, out_w) || !make_pipe(err_r, err_w) ||
      (req.input && !make_pipe(in_r, in_w))) {
    r.start_error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (req.input) {
    posix_spawn_file_actions_adddup2(&actions, in_r.get(), 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out_w.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_w.get(), 2);
  // Nothing of the daemon's (sockets, the plugin hosts' pipes) leaks into a check.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (!req.working_directory.empty())
    posix_spawn_file_actions_addchdir_np(&actions, req.working_directory.c_str());
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
  become_subreaper();
  pid_t pid = -1;
  int rc = 0;
  {
    // Registered under the lock: a sweep never sees the group half-started.
    std::lock_guard lock(running().mutex);
    rc = ::posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
    if (rc == 0) running().groups.emplace(pid, start_of(pid));
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  in_r.reset();
  out_w.reset();
  err_w.reset();
  if (rc != 0) {
    r.start_error = req.argv[0] + ": " + std::strerror(rc);
    if (!req.working_directory.empty())
      r.start_error += " (or working directory " + req.working_directory + ")";
    r.duration = Clock::now() - started;
    return r;
  }
  r.started = true;
  ::fcntl(out_r.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_r.get(), F_SETFL, O_NONBLOCK);
  std::size_t fed = 0;
  bool in_open = req.input && !req.input->empty();
  if (in_open) ::fcntl(in_w.get(), F_SETFL, O_NONBLOCK);
  auto close_input = [&] {
    if (in_open && fed < req.input->size()) r.input_incomplete = true;
    in_open = false;
    in_w.reset();
  };
  if (!in_open) in_w.reset();

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
      if (err_open) drain(err_r.get(), r.errors, req.error_cap, err_truncated);
      close_input();
      break;
    }
    const auto now = Clock::now();
    if (!kill_at && now >= req.deadline) {
      r.timed_out = true;
      close_input();
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
    std::array<pollfd, 3> fds{pollfd{out_open ? out_r.get() : -1, POLLIN, 0},
                              pollfd{err_open ? err_r.get() : -1, POLLIN, 0},
                              pollfd{in_open ? in_w.get() : -1, POLLOUT, 0}};
    const int n = ::poll(fds.data(), fds.size(), poll_timeout_ms(kill_at.value_or(req.deadline)));
    if (n > 0) {
      if (out_open && fds[0].revents) out_open = drain(out_r.get(), r.output, req.output_cap, r.output_truncated);
      if (err_open && fds[1].revents) err_open = drain(err_r.get(), r.errors, req.error_cap, err_truncated);
      if (in_open && fds[2].revents) {
        if (!feed(in_w.get(), *req.input, fed)) close_input();
      }
    }
  }
  close_input();
  clean_up_after(pid);
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.duration = Clock::now() - started;
  return r;
}

int stop_all_commands() {
  become_subreaper();
  {
    std::lock_guard lock(running().mutex);
    for (const auto& [group, start] : running().groups) ::kill(-group, SIGKILL);
  }
  // The running commands' own threads reap their main processes; everything else goes here.
  const pid_t session = ::getsid(0);
  return sweep(
      [&](const ProcEntry& e) {
        std::lock_guard lock(running().mutex);
        return e.session != session || (running().groups.count(e.pgrp) && e.pid != e.pgrp);
      },
      std::chrono::seconds(2));
}

}  // namespace hawatch::plugins
