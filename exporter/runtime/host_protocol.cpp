#include "host_protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hawatch::plugins {
namespace {

// Waits until `fd` is ready for `events`; false on timeout.
bool wait_ready(int fd, short events, Deadline deadline) {
  for (;;) {
    int ms = -1;
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return false;
      ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, ms);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // let the read/write report the error
  }
}

std::string read_exact(int fd, char* buf, std::size_t n, Deadline deadline) {
  std::size_t got = 0;
  while (got < n) {
    if (!wait_ready(fd, POLLIN, deadline)) return "timed out";
    const ssize_t r = ::recv(fd, buf + got, n - got, MSG_DONTWAIT);
    if (r == 0) return "closed";
    if (r < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return std::strerror(errno);
    }
    got += static_cast<std::size_t>(r);
  }
  return {};
}

}  // namespace

std::string write_frame(int fd, const std::string& payload, Deadline deadline) {
  if (payload.size() > kMaxFrameBytes) return "message too large";
  const auto n = static_cast<std::uint32_t>(payload.size());
  std::string buf{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                  static_cast<char>(n)};
  buf += payload;
  std::size_t sent = 0;
  while (sent < buf.size()) {
    if (!wait_ready(fd, POLLOUT, deadline)) return "timed out";
    // MSG_NOSIGNAL: a dead peer must be an error here, not a SIGPIPE that kills the daemon.
    const ssize_t w = ::send(fd, buf.data() + sent, buf.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return std::strerror(errno);
    }
    sent += static_cast<std::size_t>(w);
  }
  return {};
}

std::optional<std::string> read_frame(int fd, Deadline deadline, std::string& error) {
  unsigned char head[4];
  error = read_exact(fd, reinterpret_cast<char*>(head), 4, deadline);
  if (!error.empty()) return std::nullopt;
  const std::uint32_t n = (std::uint32_t{head[0]} << 24) | (std::uint32_t{head[1]} << 16) |
                          (std::uint32_t{head[2]} << 8) | head[3];
  if (n > kMaxFrameBytes) {
    error = "frame of " + std::to_string(n) + " bytes is too large";
    return std::nullopt;
  }
  std::string payload(n, '\0');
  error = read_exact(fd, payload.data(), n, deadline);
  if (!error.empty()) return std::nullopt;
  return payload;
}

std::string encode_settings(const PluginSettings& s) {
  std::string out = "F\t" + escape_field(s.rootfs) + "\nN\t" + escape_field(s.node_name) + "\n";
  for (const auto& [k, v] : s.entries) out += "K\t" + escape_field(k) + "\t" + escape_field(v) + "\n";
  return out;
}

PluginSettings decode_settings(const std::string& text) {
  PluginSettings s;
  for_each_record(text, [&](const std::vector<std::string>& f) {
    if (f[0] == "F" && f.size() == 2) s.rootfs = f[1];
    else if (f[0] == "N" && f.size() == 2) s.node_name = f[1];
    else if (f[0] == "K" && f.size() == 3) s.entries.emplace_back(f[1], f[2]);
    return true;  // unknown records are ignored: a newer hawatch may send more
  });
  return s;
}

}  // namespace hawatch::plugins
