// libFuzzer target for raw HTTP request bytes: the connection gate's head scanner directly, then
// the whole server (gate, Poco's parser, routing, a POST route with a body) over a loopback
// connection, as a client would send them. Every input must end with the server closing or
// answering within a bound (no hang), and the server must go on answering a good request.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "core/snapshot.h"
#include "http/head_gate.h"
#include "http/http_server.h"

namespace {

using Clock = std::chrono::steady_clock;

hawatch::HttpServer& server() {
  static const auto instance = [] {
    hawatch::HttpServerOptions o;
    o.listen_address = "127.0.0.1:0";
    o.head_limits.head_deadline = std::chrono::milliseconds(500);
    o.head_limits.max_waiting_per_client = 100000;
    hawatch::HttpRoute echo;
    echo.methods = {"POST", "PUT"};
    echo.path = "/api/echo";
    echo.max_body_bytes = 4096;
    echo.handler = [](const hawatch::HttpRequest& r) {
      return hawatch::HttpReply{200, "text/plain", r.body, {}};
    };
    o.routes.push_back(echo);
    auto store = std::make_shared<hawatch::SnapshotStore>();
    auto s = std::make_unique<hawatch::HttpServer>(o, store, [] { return true; });
    s->start();
    return s;
  }();
  return *instance;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "http_request_fuzz: %s: %s\n", what, std::strerror(errno));
  __builtin_trap();
}

// A loopback connection to the server. A connect interrupted by libFuzzer's SIGALRM, or one
// that finds no free local port for a moment (every exchange leaves a TIME_WAIT behind, and a
// port is reusable only a second later), is the fuzzer's own trouble, not the server's: try
// again for up to two seconds. Anything else (a refusal: no listener) fails the run, naming it.
int connect_loopback(const sockaddr_in& to) {
  for (int attempt = 0;; ++attempt) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) fail("socket");
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0) return fd;
    const int error = errno;
    ::close(fd);
    errno = error;
    if ((error != EINTR && error != EADDRNOTAVAIL && error != EAGAIN) || attempt == 200)
      fail("connect");
    ::usleep(10'000);
  }
}

// Sends `request`, half-closes, reads until the server closes; what came back, or nothing when
// the server had not closed within `limit`.
std::string exchange(std::string_view request, std::chrono::milliseconds limit, bool& closed) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(server().port());
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int fd = connect_loopback(to);
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string got;
  closed = false;
  const auto deadline = Clock::now() + limit;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    // libFuzzer's -timeout alarm (SIGALRM every few seconds) interrupts the wait now and then:
    // that is no answer from the server, so wait on.
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      closed = true;
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return got;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)hawatch::scan_http_head(bytes, hawatch::HeadLimits{});
  (void)hawatch::scan_tls_hello(bytes);
  bool closed = false;
  // Poco's keep-alive wait (5 s) and read timeout (10 s) bound a connection; a half-closed one
  // must end well before.
  exchange(bytes.substr(0, 64 * 1024), std::chrono::seconds(12), closed);
  if (!closed) __builtin_trap();
  static unsigned runs = 0;
  if (++runs % 256 == 0) {
    const std::string good =
        exchange("GET /-/healthy HTTP/1.1\r\nHost: f\r\n\r\n", std::chrono::seconds(12), closed);
    if (good.rfind("HTTP/1.1 200", 0) != 0) __builtin_trap();
  }
  return 0;
}
