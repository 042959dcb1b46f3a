// icmp probe: one echo request over an unprivileged ICMP datagram socket (no root, no
// CAP_NET_RAW). Hand-written: it is a socket, a header and a poll; Debian's liboping needs raw
// sockets (root or CAP_NET_RAW), which hawatch deliberately runs without.

#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/file_io.h"
#include "core/unique_fd.h"
#include "probe.h"
#include "probe_address.h"

namespace hawatch::probe {
namespace {

class IcmpProbe final : public Probe {
 public:
  IcmpProbe(std::string host, int family, Environment env)
      : host_(std::move(host)), family_(family), env_(std::move(env)) {}

  std::string kind() const override { return "icmp"; }
  std::vector<std::string> failure_reasons() const override {
    return {"resolve", "unreachable", "timeout"};
  }

  Outcome run(std::chrono::steady_clock::time_point deadline, MetricSink&, const Labels&) override {
    ResolvedAddress target;
    try {
      target = resolve_host(host_, family_, deadline);
    } catch (const ResolveError& e) {
      return Outcome::fail(e.timed_out() ? "timeout" : "resolve", e.what());
    }
    const bool v6 = target.family == AF_INET6;
    UniqueFd sock(::socket(target.family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                     v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP}));
    if (sock.get() < 0) throw std::runtime_error(socket_error(errno));

    const std::uint16_t sequence = ++sequence_;
    unsigned char packet[sizeof(icmphdr) + 16] = {};
    auto* header = reinterpret_cast<icmphdr*>(packet);
    header->type = static_cast<std::uint8_t>(v6 ? int{ICMP6_ECHO_REQUEST} : int{ICMP_ECHO});
    header->un.echo.sequence = htons(sequence);  // the kernel sets the id and the checksum
    std::memcpy(packet + sizeof(icmphdr), "hawatch-probe", 13);
    if (::sendto(sock.get(), packet, sizeof packet, 0, reinterpret_cast<const sockaddr*>(&target.addr),
                 target.length) < 0) {
      const int err = errno;
      if (err == ENETUNREACH || err == EHOSTUNREACH || err == EADDRNOTAVAIL)
        return Outcome::fail("unreachable", target.text + ": " + std::strerror(err));
      throw std::runtime_error("sending ICMP echo to " + target.text + ": " + std::strerror(err));
    }
    return await_reply(sock.get(), sequence, v6, target.text, deadline);
  }

 private:
  Outcome await_reply(int fd, std::uint16_t sequence, bool v6, const std::string& who,
                      std::chrono::steady_clock::time_point deadline) {
    unsigned char buf[1500];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return Outcome::fail("timeout", "no echo reply from " + who + " in time");
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        if (errno == EHOSTUNREACH || errno == ENETUNREACH)
          return Outcome::fail("unreachable", who + ": " + std::strerror(errno));
        throw std::runtime_error("reading ICMP reply from " + who + ": " + std::strerror(errno));
      }
      if (static_cast<std::size_t>(n) < sizeof(icmphdr)) continue;
      const auto* reply = reinterpret_cast<const icmphdr*>(buf);
      const int expected_type = v6 ? int{ICMP6_ECHO_REPLY} : int{ICMP_ECHOREPLY};
      if (reply->type == expected_type && ntohs(reply->un.echo.sequence) == sequence)
        return Outcome::ok();
    }
  }

  // EACCES from socket() almost always means net.ipv4.ping_group_range excludes our group:
  // say so, with the value and the fix, rather than a bare "Permission denied".
  std::string socket_error(int err) const {
    std::string msg = std::string("cannot open an ICMP datagram socket: ") + std::strerror(err);
    if (err == EACCES || err == EPERM) {
      std::string range = "unknown";
      try {
        range = read_file(env_.proc("sys/net/ipv4/ping_group_range"), 256);
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

  std::string host_;
  int family_;
  Environment env_;
  std::uint16_t sequence_ = 0;
};

}  // namespace

std::unique_ptr<Probe> make_icmp_probe(const KindArgs& args) {
  MapReader r(args.options, args.ctx, args.where);
  if (!args.options.IsMap()) {
    if (r.valid()) args.ctx.error(args.options, "\"" + args.where + "\" needs a host");
    return nullptr;
  }
  auto host = r.string("host");
  if (!host && !r.node("host").IsDefined())
    args.ctx.error(args.options, "\"" + args.where + ".host\" is required");
  if (host && (host->empty() || host->find_first_of(" /:") != std::string::npos) &&
      !is_ip_literal(*host)) {
    args.ctx.error(r.node("host"), "\"" + args.where + ".host\": bad host \"" + *host + "\"");
    host.reset();
  }
  const auto protocol = r.choice("ip_protocol", {"ip4", "ip6"});
  r.finish();
  if (!host) return nullptr;
  const int family = !protocol ? AF_UNSPEC : *protocol == "ip4" ? AF_INET : AF_INET6;
  return std::make_unique<IcmpProbe>(*host, family, args.env);
}

}  // namespace hawatch::probe
