// Scrape latency under a slowloris, with the HTTP server in-process (defaults of
// HttpServerOptions, a 100-series exposition):
//
//   bench_slowloris [--attack=none|trickle|idle] [--connections=400] [--scrapes=200]
//
// The attackers connect from 127.0.0.2 .. 127.0.0.11 (40 each by default: an attack from many
// hosts, each under the per-client cap); "trickle" sends one header byte per connection every
// second, "idle" sends nothing. A connection the server closes is opened again at once, so the
// pressure stays. Each scrape is a new connection (Prometheus' scrape interval outlasts the
// keep-alive wait) with a 10 s limit; a reset, a timeout or a non-200 counts as failed.
// Prints "RESULT {json}" last.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/exposition.h"
#include "core/metric_sink.h"
#include "core/snapshot.h"
#include "http/http_server.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int connect_from(const std::string& source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One scrape on a new connection: milliseconds, or a negative number when it failed.
double scrape(std::uint16_t port) {
  const auto start = Clock::now();
  const int fd = connect_from("127.0.0.1", port);
  if (fd < 0) return -1;
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n";
  std::string got;
  bool ok = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size());
  while (ok) {
    const auto left = 10s - (Clock::now() - start);
    pollfd p{fd, POLLIN, 0};
    if (left <= 0s ||
        ::poll(&p, 1,
               static_cast<int>(
                   std::chrono::duration_cast<std::chrono::milliseconds>(left).count())) <= 0) {
      ok = false;
      break;
    }
    char buf[16384];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) ok = false;
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return ok && got.starts_with("HTTP/1.1 200") ? ms : -1;
}

class Attack {
 public:
  Attack(std::string mode, int connections, std::uint16_t port)
      : mode_(std::move(mode)), port_(port), fds_(static_cast<std::size_t>(connections), -1) {
    if (mode_ != "none") thread_ = std::thread([this] { run(); });
  }
  ~Attack() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  long reconnects() const { return reconnects_; }

 private:
  std::string source(std::size_t i) const { return "127.0.0." + std::to_string(2 + i % 10); }

  void run() {
    while (!stop_) {
      for (std::size_t i = 0; i < fds_.size(); ++i) {
        int& fd = fds_[i];
        if (fd >= 0) {
          pollfd p{fd, POLLIN, 0};
          if (::poll(&p, 1, 0) > 0) {  // answered (a refusal) or closed: come back
            ::close(fd);
            fd = -1;
          }
        }
        if (fd < 0) {
          fd = connect_from(source(i), port_);
          ++reconnects_;
          if (fd >= 0 && mode_ == "trickle")
            ::send(fd, "GET /metrics HTTP/1.1\r\n", 23, MSG_NOSIGNAL | MSG_DONTWAIT);
        } else if (mode_ == "trickle") {
          ::send(fd, "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
      }
      for (int t = 0; t < 10 && !stop_; ++t) std::this_thread::sleep_for(100ms);
    }
  }

  std::string mode_;
  std::uint16_t port_;
  std::vector<int> fds_;
  std::atomic<bool> stop_{false};
  std::atomic<long> reconnects_{0};
  std::thread thread_;
};

std::shared_ptr<hawatch::SnapshotStore> exposition() {
  auto store = std::make_shared<hawatch::SnapshotStore>();
  store->begin_generation(1, {"bench"});
  hawatch::MetricSink sink;
  for (int i = 0; i < 100; ++i)
    sink.gauge("bench_series", "A series.", i, {{"i", std::to_string(i)}});
  hawatch::CollectorOutcome o;
  o.collector = "bench";
  o.success = true;
  o.finished_at = std::chrono::system_clock::now();
  o.stale_at = Clock::now() + 1h;
  o.families = hawatch::prepare_families(sink.families());
  store->publish(1, std::move(o));
  return store;
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i < argc; ++i)
    if (std::string a = argv[i]; a.starts_with("--" + name + "=")) return a.substr(name.size() + 3);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = arg(argc, argv, "attack", "trickle");
  const int connections = std::stoi(arg(argc, argv, "connections", "400"));
  const int scrapes = std::stoi(arg(argc, argv, "scrapes", "200"));
  hawatch::HttpServerOptions options;
  options.listen_address = "127.0.0.1:0";
  hawatch::HttpServer server(options, exposition(), [] { return true; });
  server.start();
  Attack attack(mode, connections, server.port());
  std::this_thread::sleep_for(3s);  // let the attack take hold
  std::vector<double> ok;
  int failed = 0;
  for (int i = 0; i < scrapes; ++i) {
    const double ms = scrape(server.port());
    if (ms < 0)
      ++failed;
    else
      ok.push_back(ms);
    std::this_thread::sleep_for(20ms);
  }
  std::sort(ok.begin(), ok.end());
  const auto pct = [&](double p) {
    return ok.empty() ? -1.0 : ok[std::min(ok.size() - 1, static_cast<std::size_t>(p * ok.size()))];
  };
  std::printf("attack=%s connections=%d scrapes=%d failed=%d p50=%.2fms p99=%.2fms\n", mode.c_str(),
              connections, scrapes, failed, pct(0.5), pct(0.99));
  std::printf(
      "RESULT {\"attack\":\"%s\",\"connections\":%d,\"scrapes\":%d,\"failed\":%d,"
      "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"attacker_connects\":%ld}\n",
      mode.c_str(), connections, scrapes, failed, pct(0.5), pct(0.99), attack.reconnects());
  return 0;
}
