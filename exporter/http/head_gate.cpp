#include "head_gate.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <list>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/log.h"
#include "socket_handoff.h"

namespace hawatch {

HeadState scan_http_head(std::string_view data, const HeadLimits& limits) {
  // Blank lines before the request line are allowed (RFC 9112 2.2); Poco skips them too.
  std::size_t start = 0;
  while (start < data.size() && (data[start] == '\r' || data[start] == '\n')) ++start;
  const std::size_t line_end = data.find('\n', start);
  if ((line_end == std::string_view::npos ? data.size() - start : line_end - start) >
      limits.max_request_line_bytes)
    return HeadState::request_line_long;
  std::size_t fields = 0;
  for (std::size_t pos = line_end; pos != std::string_view::npos;) {
    std::size_t next = pos + 1;
    if (next < data.size() && data[next] == '\r') ++next;
    if (next < data.size() && data[next] == '\n') return HeadState::complete;  // blank line
    if (next >= data.size()) break;
    if (++fields > limits.max_header_fields) return HeadState::too_many_fields;
    pos = data.find('\n', next);
    if (pos != std::string_view::npos && pos + 1 > limits.max_head_bytes)
      return HeadState::too_large;
  }
  return data.size() >= limits.max_head_bytes ? HeadState::too_large : HeadState::incomplete;
}

HeadState scan_tls_hello(std::string_view data) {
  if (data.empty()) return HeadState::incomplete;
  if (data[0] != 0x16) return HeadState::complete;  // not a handshake record: fails at once
  if (data.size() < 5) return HeadState::incomplete;
  const std::size_t length =
      (static_cast<unsigned char>(data[3]) << 8) | static_cast<unsigned char>(data[4]);
  return data.size() >= 5 + length ? HeadState::complete : HeadState::incomplete;
}

void send_refusal(Poco::Net::StreamSocket& socket, int status, std::string_view reason) {
  const std::string text = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
                           "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
                           std::to_string(reason.size() + 1) + "\r\nConnection: close\r\n\r\n" +
                           std::string(reason) + "\n";
  const int fd = socket.impl()->sockfd();
  [[maybe_unused]] const auto sent =
      ::send(fd, text.data(), text.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Read what the client sent so that close() sends a FIN, not a reset that could discard the
  // answer before the client reads it.
  char sink[16 * 1024];
  while (::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {
  }
  ::shutdown(fd, SHUT_WR);
}

namespace {

using Clock = std::chrono::steady_clock;

struct Waiting {
  Poco::Net::StreamSocket socket;
  std::string client;  // address without port
  Clock::time_point deadline;
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {
    if (fd_ < 0) throw std::runtime_error("http: cannot create the connection gate's descriptors");
  }
  ~Fd() { ::close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

struct HeadGate::Impl {
  Impl(Poco::Net::ServerSocket l, bool t, HeadLimits lim, Ready r)
      : listener(std::move(l)),
        tls(t),
        limits(lim),
        ready(std::move(r)),
        epoll(::epoll_create1(EPOLL_CLOEXEC)),
        wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        peek_buffer(std::max<std::size_t>(limits.max_head_bytes + 1, 16 * 1024 + 5 + 1)) {}

  Poco::Net::ServerSocket listener;
  bool tls;
  HeadLimits limits;
  Ready ready;
  Fd epoll;
  Fd wake;
  std::vector<char> peek_buffer;
  // Oldest first: all have the same deadline length, so the front expires first.
  std::list<Waiting> waiting;
  std::map<int, std::list<Waiting>::iterator> by_fd;
  std::map<std::string, std::size_t> per_client;
  std::thread thread;
  std::once_flag stopped;

  // Clients are edge-triggered: peeking leaves their bytes in the kernel, so level-triggered
  // readiness would fire without end for every incomplete head; an edge comes with each arrival.
  void watch(int fd, std::uint64_t tag, bool edge) {
    epoll_event ev{};
    ev.events = EPOLLIN | (edge ? EPOLLET | EPOLLRDHUP : 0u);
    ev.data.u64 = tag;
    ::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev);
  }

  void forget(std::list<Waiting>::iterator it) {
    const int fd = it->socket.impl()->sockfd();
    ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    by_fd.erase(fd);
    if (auto c = per_client.find(it->client); c != per_client.end() && --c->second == 0)
      per_client.erase(c);
    waiting.erase(it);
  }

  void refuse(std::list<Waiting>::iterator it, int status, std::string_view reason) {
    if (!tls) send_refusal(it->socket, status, reason);
    forget(it);  // the socket closes with its last copy
  }

  void accept_one() {
    Poco::Net::SocketAddress peer;
    Poco::Net::StreamSocket socket;
    try {
      socket = listener.acceptConnection(peer);
    } catch (const Poco::Exception&) {
      return;  // EAGAIN, or the client gave up between readiness and accept
    }
    std::string client = peer.host().toString();
    if (per_client[client] >= limits.max_waiting_per_client) {
      if (!tls) send_refusal(socket, 429, "Too Many Requests");
      if (auto c = per_client.find(client); c != per_client.end() && c->second == 0)
        per_client.erase(c);
      return;
    }
    // The oldest waiting one goes, not the new one: an attacker's idle connections age out
    // while a scraper, which sends its head at once, is handed on within milliseconds.
    if (waiting.size() >= limits.max_waiting) refuse(waiting.begin(), 503, "Service Unavailable");
    ++per_client[client];
    const int fd = socket.impl()->sockfd();
    waiting.push_back({std::move(socket), std::move(client), Clock::now() + limits.head_deadline});
    by_fd[fd] = std::prev(waiting.end());
    watch(fd, static_cast<std::uint64_t>(fd), true);
  }

  void readable(int fd, bool peer_done) {
    const auto found = by_fd.find(fd);
    if (found == by_fd.end()) return;
    const auto it = found->second;
    const ssize_t n = ::recv(fd, peek_buffer.data(), peek_buffer.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return forget(it);
    if (n < 0) return;
    const std::string_view data(peek_buffer.data(), static_cast<std::size_t>(n));
    switch (tls ? scan_tls_hello(data) : scan_http_head(data, limits)) {
      case HeadState::incomplete:
        // Half-closed before the head ended: it can never be completed.
        if (peer_done) refuse(it, 400, "Bad Request");
        return;
      case HeadState::complete: {
        const Poco::Net::StreamSocket socket = it->socket;
        forget(it);
        try {
          ready(socket);
        } catch (const std::exception& e) {
          log::warn("http: cannot hand a connection to a worker", {{"err", e.what()}});
        }
        socket_handoff::before_gate_drops();
        return;
      }
      case HeadState::request_line_long:
        return refuse(it, 414, "URI Too Long");
      case HeadState::too_large:
      case HeadState::too_many_fields:
        return refuse(it, 431, "Request Header Fields Too Large");
    }
  }

  void expire() {
    const auto now = Clock::now();
    while (!waiting.empty() && waiting.front().deadline <= now)
      refuse(waiting.begin(), 408, "Request Timeout");
  }

  int wait_ms() const {
    if (waiting.empty()) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        waiting.front().deadline - Clock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count() + 1));
  }

  void run() {
    constexpr std::uint64_t kListener = ~std::uint64_t{0};
    constexpr std::uint64_t kWake = kListener - 1;
    watch(listener.impl()->sockfd(), kListener, false);
    watch(wake.get(), kWake, false);
    epoll_event events[64];
    for (;;) {
      const int n = ::epoll_wait(epoll.get(), events, 64, wait_ms());
      for (int i = 0; i < n; ++i) {
        const std::uint64_t tag = events[i].data.u64;
        if (tag == kWake) return;
        if (tag == kListener)
          accept_one();
        else
          readable(static_cast<int>(tag), (events[i].events & (EPOLLRDHUP | EPOLLHUP)) != 0);
      }
      expire();
    }
  }
};

HeadGate::HeadGate(Poco::Net::ServerSocket listener, bool tls, HeadLimits limits, Ready ready)
    : impl_(std::make_unique<Impl>(std::move(listener), tls, limits, std::move(ready))) {
  impl_->listener.setBlocking(false);
}

HeadGate::~HeadGate() {
  stop();
}

void HeadGate::start() {
  impl_->thread = std::thread([this] { impl_->run(); });
}

void HeadGate::stop() {
  std::call_once(impl_->stopped, [this] {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(impl_->wake.get(), &one, sizeof one);
    if (impl_->thread.joinable()) impl_->thread.join();
    impl_->by_fd.clear();
    impl_->per_client.clear();
    impl_->waiting.clear();
  });
}

}  // namespace hawatch
