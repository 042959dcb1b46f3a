#include "sd_notify.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "core/parse.h"
#include "core/unique_fd.h"

namespace hawatch::sd {
namespace {

NotifyResult failure(std::string why) { return {NotifyOutcome::failed, std::move(why)}; }

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

NotifyResult notify_to(std::string_view socket, std::string_view state) {
  if (socket.empty()) return {NotifyOutcome::not_configured, {}};
  const std::string where = "NOTIFY_SOCKET=" + std::string(socket);
  if (state.empty()) return failure("empty notification");
  // systemd also knows "vsock:" addresses (virtual machines); a Pi service never gets one.
  if (socket.front() != '/' && socket.front() != '@')
    return failure(where + ": not an absolute path or @abstract socket name");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Room for a terminating NUL that a path socket's name may need.
  if (socket.size() >= sizeof(addr.sun_path)) return failure(where + ": name too long");
  std::memcpy(addr.sun_path, socket.data(), socket.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // the abstract namespace
  // The length counts the name exactly: an abstract name's bytes are all significant.
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket.size());

  const UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return failure(errno_text("socket"));
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(kSendTimeout).count();
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(usec / 1000000);
  timeout.tv_usec = static_cast<suseconds_t>(usec % 1000000);
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) != 0)
    return failure(errno_text("setsockopt(SO_SNDTIMEO)"));
  const ssize_t sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&addr), addr_len);
  if (sent < 0) return failure(where + ": " + errno_text("sendto"));
  if (static_cast<std::size_t>(sent) != state.size()) return failure(where + ": short send");
  return {NotifyOutcome::sent, {}};
}

NotifyResult notify(std::string_view state) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return notify_to(socket ? socket : "", state);
}

std::string reloading_message() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<std::uint64_t>(now.tv_sec) * 1000000u +
                    static_cast<std::uint64_t>(now.tv_nsec) / 1000u;
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

std::optional<std::chrono::microseconds> watchdog_from(const char* usec, const char* pid, pid_t self) {
  if (!usec) return std::nullopt;
  const auto interval = to_uint64(usec);
  // Beyond what a signed microsecond count holds is as malformed as text.
  if (!interval || *interval == 0 || *interval > static_cast<std::uint64_t>(INT64_MAX))
    return std::nullopt;
  if (pid) {
    const auto owner = to_uint64(pid);
    if (!owner || *owner == 0 || *owner != static_cast<std::uint64_t>(self)) return std::nullopt;
  }
  return std::chrono::microseconds(static_cast<std::int64_t>(*interval));
}

std::optional<std::chrono::microseconds> watchdog_enabled() {
  return watchdog_from(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid());
}

}  // namespace hawatch::sd
