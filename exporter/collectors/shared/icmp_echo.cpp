#include "icmp_echo.h"

#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "core/file_io.h"
#include "core/unique_fd.h"

namespace hawatch::net {
namespace {

using Status = EchoResult::Status;
using Clock = std::chrono::steady_clock;

// EACCES from socket() almost always means net.ipv4.ping_group_range excludes our group:
// say so, with the value and the fix, rather than a bare "Permission denied".
std::string socket_error(int err, const Environment& env) {
  std::string msg = std::string("cannot open an ICMP datagram socket: ") + std::strerror(err);
  if (err == EACCES || err == EPERM) {
    std::string range = "unknown";
    try {
      range = read_file(env.proc("sys/net/ipv4/ping_group_range"), 256);
      std::replace(range.begin(), range.end(), '\t', ' ');
      while (!range.empty() && (range.back() == '\n' || range.back() == ' ')) range.pop_back();
    } catch (const std::exception&) {
    }
    msg += " (net.ipv4.ping_group_range is \"" + range + "\" and hawatch runs with gid " +
           std::to_string(::getegid()) +
           "; allow it, e.g. sysctl -w net.ipv4.ping_group_range=\"0 2147483647\")";
  }
  return msg;
}

// One outstanding echo: its socket stays open until the reply or the deadline.
struct Pending {
  Pending(int fd, const ResolvedAddress* t, EchoResult* r) : sock(fd), target(t), result(r) {}
  UniqueFd sock;
  const ResolvedAddress* target;
  EchoResult* result;
  bool done = false;
};

bool unreachable_errno(int err) { return err == ENETUNREACH || err == EHOSTUNREACH || err == EADDRNOTAVAIL; }

void send_echo(Pending& p, std::uint16_t sequence) {
  const bool v6 = p.target->family == AF_INET6;
  unsigned char packet[sizeof(icmphdr) + 16] = {};
  auto* header = reinterpret_cast<icmphdr*>(packet);
  header->type = static_cast<std::uint8_t>(v6 ? int{ICMP6_ECHO_REQUEST} : int{ICMP_ECHO});
  header->un.echo.sequence = htons(sequence);  // the kernel sets the id and the checksum
  std::memcpy(packet + sizeof(icmphdr), "hawatch-probe", 13);
  if (::sendto(p.sock.get(), packet, sizeof packet, 0, reinterpret_cast<const sockaddr*>(&p.target->addr),
               p.target->length) >= 0)
    return;
  const int err = errno;
  *p.result = {unreachable_errno(err) ? Status::unreachable : Status::error,
               (unreachable_errno(err) ? "" : "sending ICMP echo to ") + p.target->text + ": " + std::strerror(err),
               {}};
  p.done = true;
}

// Reads what arrived on p's socket; marks it done on its reply or a definitive error.
void receive(Pending& p, std::uint16_t sequence) {
  unsigned char buf[1500];
  for (;;) {
    const ssize_t n = ::recv(p.sock.get(), buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      const int err = errno;
      *p.result = {unreachable_errno(err) ? Status::unreachable : Status::error,
                   (unreachable_errno(err) ? "" : "reading ICMP reply from ") + p.target->text + ": " +
                       std::strerror(err),
                   {}};
      p.done = true;
      return;
    }
    if (static_cast<std::size_t>(n) < sizeof(icmphdr)) continue;
    const auto* reply = reinterpret_cast<const icmphdr*>(buf);
    const int expected_type = p.target->family == AF_INET6 ? int{ICMP6_ECHO_REPLY} : int{ICMP_ECHOREPLY};
    if (reply->type == expected_type && ntohs(reply->un.echo.sequence) == sequence) {
      *p.result = {Status::reply, {}, {}};
      p.done = true;
      return;
    }
  }
}

}  // namespace

std::vector<EchoResult> icmp_echo_all(const std::vector<ResolvedAddress>& targets, std::uint16_t sequence,
                                      Clock::time_point deadline, const Environment& env) {
  const auto start = Clock::now();
  std::vector<EchoResult> results(targets.size());
  std::deque<Pending> pending;  // a deque: Pending owns a (non-movable) socket
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const int family = targets[i].family;
    const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                            family == AF_INET6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
    if (fd < 0) throw std::runtime_error(socket_error(errno, env));
    pending.emplace_back(fd, &targets[i], &results[i]);
    send_echo(pending.back(), sequence);
    if (pending.back().done) results[i].elapsed = Clock::now() - start;
  }
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Pending*> waiting;
    for (auto& p : pending)
      if (!p.done) {
        fds.push_back({p.sock.get(), POLLIN, 0});
        waiting.push_back(&p);
      }
    if (waiting.empty()) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      for (auto* p : waiting) {
        *p->result = {Status::timeout, "no echo reply from " + p->target->text + " in time", Clock::now() - start};
        p->done = true;
      }
      break;
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count())) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      receive(*waiting[i], sequence);
      if (waiting[i]->done) waiting[i]->result->elapsed = Clock::now() - start;
    }
  }
  return results;
}

EchoResult icmp_echo(const ResolvedAddress& target, std::uint16_t sequence, Clock::time_point deadline,
                     const Environment& env) {
  auto result = std::move(icmp_echo_all({target}, sequence, deadline, env).front());
  if (result.status == Status::error) throw std::runtime_error(result.detail);
  return result;
}

}  // namespace hawatch::net
