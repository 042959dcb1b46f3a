#include "hooks/rfc2136/dns_transport.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace hawatch::alerting::failover {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int ms_left(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
}

// Waits for `events` on `fd` until the deadline; false on timeout.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    const int left = ms_left(deadline);
    if (left == 0) return false;
    const int n = ::poll(&p, 1, left);
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

bool answers(const std::uint8_t* r, std::size_t n, const std::vector<std::uint8_t>& request) {
  return n >= 12 && r[0] == request[0] && r[1] == request[1] && (r[2] & 0x80) != 0;
}

std::string os_error(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

DnsExchange no_answer(std::string detail, bool tcp) {
  DnsExchange e;
  e.status = DnsExchange::Status::no_answer;
  e.over_tcp = tcp;
  e.detail = std::move(detail);
  return e;
}

DnsExchange network(std::string detail, bool tcp) {
  DnsExchange e;
  e.status = DnsExchange::Status::network;
  e.over_tcp = tcp;
  e.detail = std::move(detail);
  return e;
}

// Sends or reads exactly `n` bytes over a non-blocking TCP socket before the deadline.
bool tcp_all(int fd, std::uint8_t* data, std::size_t n, bool send, Clock::time_point deadline,
             std::string& error) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t k = send ? ::send(fd, data + done, n - done, MSG_NOSIGNAL)
                           : ::recv(fd, data + done, n - done, 0);
    if (k > 0) {
      done += static_cast<std::size_t>(k);
      continue;
    }
    if (k == 0) {
      error = "the server closed the TCP connection";
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      error = os_error(send ? "TCP send" : "TCP receive", errno);
      return false;
    }
    if (!wait_for(fd, send ? POLLOUT : POLLIN, deadline)) {
      error = "no TCP answer before the deadline";
      return false;
    }
  }
  return true;
}

DnsExchange over_tcp(const DnsServer& server, const std::vector<std::uint8_t>& request,
                     Clock::time_point deadline) {
  Fd fd(::socket(server.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return network(os_error("socket", errno), true);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&server.address), server.length) != 0) {
    if (errno != EINPROGRESS) return no_answer(os_error("TCP connect", errno), true);
    if (!wait_for(fd.get(), POLLOUT, deadline)) return no_answer("TCP connect timed out", true);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return no_answer(os_error("TCP connect", err), true);
  }
  std::vector<std::uint8_t> framed{static_cast<std::uint8_t>(request.size() >> 8),
                                   static_cast<std::uint8_t>(request.size())};
  framed.insert(framed.end(), request.begin(), request.end());
  std::string error;
  if (!tcp_all(fd.get(), framed.data(), framed.size(), true, deadline, error))
    return no_answer(error, true);
  std::uint8_t length[2];
  if (!tcp_all(fd.get(), length, 2, false, deadline, error)) return no_answer(error, true);
  DnsExchange e;
  e.over_tcp = true;
  e.response.resize(static_cast<std::size_t>(length[0] << 8 | length[1]));
  if (!tcp_all(fd.get(), e.response.data(), e.response.size(), false, deadline, error))
    return no_answer(error, true);
  if (!answers(e.response.data(), e.response.size(), request))
    return network("the TCP answer is not a response to our request", true);
  e.status = DnsExchange::Status::answered;
  return e;
}

}  // namespace

std::optional<DnsServer> parse_dns_server(const std::string& text, std::string& error) {
  std::string host = text;
  std::string port = "53";
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string::npos) {
      error = "\"" + text + "\": '[' without ']'";
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        error = "\"" + text + "\": expected ':PORT' after ']'";
        return std::nullopt;
      }
      port = text.substr(close + 2);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
  }
  const bool digits =
      !port.empty() && port.size() <= 5 &&
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int number = digits ? std::stoi(port) : 0;
  if (number < 1 || number > 65535) {
    error = "\"" + text + "\": the port must be 1-65535";
    return std::nullopt;
  }
  DnsServer s;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&s.address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&s.address);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(number));
    s.length = sizeof(sockaddr_in);
    s.text = host + ":" + port;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(number));
    s.length = sizeof(sockaddr_in6);
    s.text = "[" + host + "]:" + port;
  } else {
    error = "\"" + text + "\": the server must be an IP address (IP:PORT or [IPv6]:PORT)";
    return std::nullopt;
  }
  return s;
}

DnsExchange dns_exchange(const DnsServer& server, const std::vector<std::uint8_t>& request,
                         Clock::time_point deadline) {
  if (request.size() < 12 || request.size() > 65535) return network("bad request size", false);
  Fd fd(::socket(server.address.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return network(os_error("socket", errno), false);
  // Connected: the kernel drops datagrams from any other address, and reports ICMP errors.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&server.address), server.length) != 0)
    return network(os_error("connect", errno), false);
  if (::send(fd.get(), request.data(), request.size(), 0) < 0)
    return no_answer(os_error("send", errno), false);
  std::vector<std::uint8_t> buffer(65535);
  while (true) {
    if (!wait_for(fd.get(), POLLIN, deadline))
      return no_answer("no answer before the deadline", false);
    const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return no_answer(os_error("receive", errno), false);
    }
    if (!answers(buffer.data(), static_cast<std::size_t>(n), request)) continue;
    if (buffer[2] & 0x02) return over_tcp(server, request, deadline);  // TC: truncated
    DnsExchange e;
    e.status = DnsExchange::Status::answered;
    e.response.assign(buffer.begin(), buffer.begin() + n);
    return e;
  }
}

}  // namespace hawatch::alerting::failover
