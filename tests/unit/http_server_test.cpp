// The HTTP endpoint in-process on 127.0.0.1 with an ephemeral port, driven by libcurl.
#define BOOST_TEST_MODULE http_server
#include "http/http_server.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "contains.h"
#include "core/collector.h"
#include "core/exposition.h"
#include "core/scheduler.h"
#include "core/snapshot.h"
#include "core/unique_fd.h"
#include "core/worker_pool.h"
#include "time_scale.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

using hawatch::test::contains;

// ---------------------------------------------------------------------------------------------
// A small libcurl client.

struct Response {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
  double seconds = 0;
  long new_connections = -1;

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
  }
  bool has_header(const std::string& name) const { return headers.count(name) > 0; }
};

struct Request {
  std::string method = "GET";
  std::vector<std::string> headers;
  std::string userpwd;          // "user:password" for basic auth
  std::string accept_encoding;  // non-empty: let curl negotiate and decode
  bool decode = true;           // false: keep a compressed body as it came
  std::string body = "x=1";     // what a POST sends
};

Request method(std::string m) {
  Request r;
  r.method = std::move(m);
  return r;
}
// Sends `line` as a raw request header; a compressed answer is kept as it came.
Request raw_header(std::string line) {
  Request r;
  r.headers.push_back(std::move(line));
  r.decode = false;
  return r;
}
Request credentials(std::string userpwd) {
  Request r;
  r.userpwd = std::move(userpwd);
  return r;
}
Request negotiate(std::string encoding) {
  Request r;
  r.accept_encoding = std::move(encoding);
  return r;
}

class Client {
 public:
  explicit Client(std::uint16_t port) : base_("http://127.0.0.1:" + std::to_string(port)) {
    handle_ = curl_easy_init();
    BOOST_REQUIRE(handle_ != nullptr);
  }
  ~Client() { curl_easy_cleanup(handle_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Reuses one handle, so successive requests may share a kept-alive connection.
  Response get(const std::string& path, const Request& r = {}) {
    Response out;
    CURL* h = handle_;
    curl_easy_reset(h);
    const std::string url = base_ + path;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");  // loopback only, whatever the environment says
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Client::on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out.body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Client::on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &out.headers);
    if (r.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (r.method == "POST") {
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(r.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, r.body.c_str());
    } else if (r.method != "GET") {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }
    if (!r.userpwd.empty()) {
      curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(h, CURLOPT_USERPWD, r.userpwd.c_str());
    }
    if (!r.accept_encoding.empty())
      curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, r.accept_encoding.c_str());
    curl_easy_setopt(h, CURLOPT_HTTP_CONTENT_DECODING, r.decode ? 1L : 0L);
    curl_slist* list = nullptr;
    for (const auto& line : r.headers) list = curl_slist_append(list, line.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);

    const auto t0 = Clock::now();
    const CURLcode rc = curl_easy_perform(h);
    out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    curl_slist_free_all(list);
    BOOST_REQUIRE_MESSAGE(rc == CURLE_OK, "GET " << url << ": " << curl_easy_strerror(rc));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out.status);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &out.new_connections);
    return out;
  }

 private:
  static size_t on_body(char* data, size_t size, size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
  }
  static size_t on_header(char* data, size_t size, size_t n, void* user) {
    std::string line(data, size * n);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
      (*static_cast<std::map<std::string, std::string>*>(user))[name] = value;
    }
    return size * n;
  }

  std::string base_;
  CURL* handle_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Collectors and fixtures.

using CollectFn = std::function<void(MetricSink&)>;

class FnCollector final : public Collector {
 public:
  explicit FnCollector(CollectFn fn) : fn_(std::move(fn)) {}
  void collect(const CollectContext&, MetricSink& sink, std::vector<CollectProblem>&) override {
    fn_(sink);
  }

 private:
  CollectFn fn_;
};

// Wakes a sleeping collector early at teardown so nothing outlives the test.
class Interrupt {
 public:
  void sleep_for(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, d, [&] { return fired_; });
  }
  void fire() {
    {
      std::lock_guard lock(mutex_);
      fired_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool fired_ = false;
};

HttpServerOptions loopback_options() {
  HttpServerOptions o;
  o.listen_address = "127.0.0.1:0";
  o.node_name = "pi-test";
  return o;
}

// A store fed by a real scheduler: "fast" answers at once every 100ms, "slow" takes 5 s per run.
struct LiveServer {
  LiveServer() {
    store = std::make_shared<SnapshotStore>();
    store->begin_generation(1, {"fast", "slow"});
    pool = std::make_shared<WorkerPool>(4);
    auto interrupt_ = interrupt;
    auto slow_running_ = slow_running;
    scheduler = std::make_unique<Scheduler>(
        std::vector<ScheduledCollector>{
            {"fast", std::make_shared<FnCollector>([](MetricSink& s) {
               s.gauge("test_fast_value", "Fast.", 7);
             }),
             100ms, 1s, 1h},
            {"slow", std::make_shared<FnCollector>([interrupt_, slow_running_](MetricSink& s) {
               *slow_running_ = true;
               interrupt_->sleep_for(5s);
               *slow_running_ = false;
               s.gauge("test_slow_value", "Slow.", 1);
             }),
             15s, 10s, 1h}},
        pool, store, 1);
    scheduler->start();
    server = std::make_unique<HttpServer>(loopback_options(), store, [] { return true; });
    server->start();
  }
  ~LiveServer() {
    server->stop();
    interrupt->fire();
    scheduler->stop();
    pool->shutdown(2s);
  }
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  std::shared_ptr<Interrupt> interrupt = std::make_shared<Interrupt>();
  std::shared_ptr<std::atomic<bool>> slow_running = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<SnapshotStore> store;
  std::shared_ptr<WorkerPool> pool;
  std::unique_ptr<Scheduler> scheduler;
  std::unique_ptr<HttpServer> server;
};

// A store whose outcomes the test publishes by hand, so the served text is fixed.
struct StaticStore {
  explicit StaticStore(std::vector<std::string> collectors = {"alpha", "beta"})
      : store(std::make_shared<SnapshotStore>()) {
    store->begin_generation(1, std::move(collectors));
  }
  void publish(const std::string& collector, double value, bool success = true) {
    MetricSink sink;
    sink.gauge("test_static_value", "A fixed value.", value, {{"collector", collector}});
    // Enough samples that gzip has something to shrink.
    for (int i = 0; i < 50; ++i)
      sink.gauge("test_static_series", "Many series.", i,
                 {{"collector", collector}, {"i", std::to_string(i)}});
    CollectorOutcome o;
    o.collector = collector;
    o.success = success;
    o.error = success ? "" : "sensor <b>unreadable</b>";
    o.duration_seconds = 0.25;
    o.finished_at = std::chrono::system_clock::now();
    o.stale_at = Clock::now() + 1h;
    o.families = prepare_families(sink.families());
    store->publish(1, std::move(o));
  }
  std::shared_ptr<SnapshotStore> store;
};

struct StaticServer {
  explicit StaticServer(
      HttpServerOptions options = loopback_options(),
      std::function<bool()> healthy = [] { return true; }) {
    data.publish("alpha", 1);
    data.publish("beta", 2);
    server = std::make_unique<HttpServer>(std::move(options), data.store, std::move(healthy));
    server->start();
  }
  StaticStore data;
  std::unique_ptr<HttpServer> server;
};

std::string read_htpasswd_hash(const std::string& user) {
  std::ifstream in(fs::path(HAWATCH_FIXTURES) / "http" / "htpasswd");
  BOOST_REQUIRE(in);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(user + ":", 0) == 0) return line.substr(user.size() + 1);
  BOOST_FAIL("no user " << user << " in htpasswd fixture");
  return {};
}

// Raw loopback sockets for clients that misbehave in ways libcurl does not (idle keep-alive).
int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE_MESSAGE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0,
                        "connect to 127.0.0.1:" << port);
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    BOOST_REQUIRE(n > 0);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Reads until `marker` arrives, the peer closes, or `deadline` passes; returns what came.
std::string read_until(int fd, const std::string& marker, Clock::time_point deadline) {
  std::string got;
  while (got.find(marker) == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

const CurlGlobal curl_global;

}  // namespace

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(listen_address)

BOOST_AUTO_TEST_CASE(valid_forms) {
  auto a = parse_listen_address(":9847");
  BOOST_TEST(a.host == "");
  BOOST_TEST(a.port == 9847);
  a = parse_listen_address("127.0.0.1:0");
  BOOST_TEST(a.host == "127.0.0.1");
  BOOST_TEST(a.port == 0);
  a = parse_listen_address("[::1]:9100");
  BOOST_TEST(a.host == "::1");
  BOOST_TEST(a.port == 9100);
  a = parse_listen_address("pi-gate-1.local:65535");
  BOOST_TEST(a.host == "pi-gate-1.local");
  BOOST_TEST(a.port == 65535);
}

BOOST_AUTO_TEST_CASE(invalid_forms) {
  for (const char* text : {"nohost", "host:99999", "host:", "host:-1", "host:80x", "host: 80",
                           "host:+80", "::1:9100", "[::1:9100", "", "host:123456789012345678901"}) {
    BOOST_TEST_CONTEXT("\"" << text << "\"") {
      BOOST_CHECK_THROW(parse_listen_address(text), std::invalid_argument);
    }
  }
}

BOOST_AUTO_TEST_CASE(server_reports_a_port_in_use) {
  StaticServer first;
  HttpServerOptions o = loopback_options();
  o.listen_address = "127.0.0.1:" + std::to_string(first.server->port());
  try {
    HttpServer second(o, first.data.store, [] { return true; });
    BOOST_ERROR("a second server bound a port in use");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(contains(e.what(), o.listen_address), e.what());
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(live_scheduler)

BOOST_AUTO_TEST_CASE(a_slow_collector_does_not_slow_the_scrape) {
  LiveServer live;
  BOOST_TEST(live.server->port() != 0);
  Client client(live.server->port());

  // Wait for the fast collector's first result (in the store, not over HTTP) and for the slow
  // collector to be mid-run: the pool may start the two jobs in either order.
  const auto deadline = Clock::now() + 3s;
  while (
      (!contains(live.store->current()->text(), "test_fast_value") || !live.slow_running->load()) &&
      Clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  BOOST_REQUIRE(live.slow_running->load());

  const Response r = client.get("/metrics");
  BOOST_TEST(live.slow_running->load(), "the slow collector was mid-run during the scrape");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.seconds < 2.0, "scrape took " << r.seconds << " s");
  BOOST_TEST(contains(r.header("content-type"), "text/plain; version=0.0.4"),
             r.header("content-type"));
  BOOST_TEST(contains(r.body, "\ntest_fast_value 7\n"), r.body);
  BOOST_TEST(contains(r.body, "hawatch_collector_success{collector=\"fast\"} 1\n"), r.body);
  BOOST_TEST(!contains(r.body, "test_slow_value"), r.body);
  BOOST_TEST(!contains(r.body, "collector=\"slow\""), "slow has not reported yet");
  BOOST_TEST(contains(r.body, "# TYPE hawatch_build_info gauge\n"));

  // Readiness waits for every collector; the slow one is still on its first run.
  const Response ready = client.get("/-/ready");
  BOOST_TEST(ready.status == 503);
  BOOST_TEST(live.slow_running->load());

  // Several scrapes in a row: all fast.
  for (int i = 0; i < 5; ++i) {
    const Response again = client.get("/metrics");
    BOOST_TEST(again.status == 200);
    BOOST_TEST(again.seconds < 2.0);
  }
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(endpoints)

BOOST_AUTO_TEST_CASE(metrics_plain) {
  StaticServer s;
  Client client(s.server->port());
  const Response r = client.get("/metrics");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == s.data.store->current()->text());
  BOOST_TEST(contains(r.body, "test_static_value{collector=\"alpha\"} 1\n"));
  BOOST_TEST(contains(r.body, "test_static_value{collector=\"beta\"} 2\n"));
  BOOST_TEST(!r.has_header("content-encoding"));
  BOOST_TEST(r.header("content-length") == std::to_string(r.body.size()));
  // A query string does not change the path.
  BOOST_TEST(client.get("/metrics?collect[]=node").status == 200);
}

BOOST_AUTO_TEST_CASE(metrics_gzip) {
  StaticServer s;
  Client client(s.server->port());
  const std::string plain = client.get("/metrics").body;

  // Raw: the body on the wire is gzip.
  const Response raw = client.get("/metrics", raw_header("Accept-Encoding: gzip"));
  BOOST_TEST(raw.status == 200);
  BOOST_TEST(raw.header("content-encoding") == "gzip");
  BOOST_TEST(contains(raw.header("vary"), "Accept-Encoding"));
  BOOST_REQUIRE(raw.body.size() >= 2);
  BOOST_TEST(static_cast<unsigned char>(raw.body[0]) == 0x1f);
  BOOST_TEST(static_cast<unsigned char>(raw.body[1]) == 0x8b);
  BOOST_TEST(raw.body.size() < plain.size());
  BOOST_TEST(raw.header("content-length") == std::to_string(raw.body.size()));

  // Decoded by curl's own inflater, it is exactly the plain text.
  const Response decoded = client.get("/metrics", negotiate("gzip"));
  BOOST_TEST(decoded.header("content-encoding") == "gzip");
  BOOST_TEST(decoded.body == plain);
}

BOOST_AUTO_TEST_CASE(accept_encoding_weights) {
  StaticServer s;
  Client client(s.server->port());
  const std::map<std::string, bool> cases{
      {"gzip", true},          {"gzip, deflate, br", true}, {"deflate, gzip;q=0.5", true},
      {"GZIP", true},          {"gzip; q=1.0", true},       {"gzip;q=0", false},
      {"gzip;q=0.000", false}, {"identity", false},         {"deflate, br", false},
      {"x-gzipped", false},
  };
  for (const auto& [value, gzip] : cases) {
    BOOST_TEST_CONTEXT("Accept-Encoding: " << value) {
      const Response r = client.get("/metrics", raw_header("Accept-Encoding: " + value));
      BOOST_TEST(r.status == 200);
      BOOST_TEST(r.has_header("content-encoding") == gzip);
      BOOST_TEST((r.body == s.data.store->current()->text()) == !gzip);
    }
  }
}

BOOST_AUTO_TEST_CASE(head_has_headers_and_no_body) {
  StaticServer s;
  Client client(s.server->port());
  const Response r = client.get("/metrics", method("HEAD"));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body.empty());
  BOOST_TEST(r.header("content-length") == std::to_string(s.data.store->current()->text().size()));
  BOOST_TEST(contains(r.header("content-type"), "text/plain"));
  const Response healthy = client.get("/-/healthy", method("HEAD"));
  BOOST_TEST(healthy.status == 200);
  BOOST_TEST(healthy.body.empty());
}

BOOST_AUTO_TEST_CASE(healthy) {
  {
    StaticServer s;
    Client client(s.server->port());
    const Response r = client.get("/-/healthy");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == "Healthy\n");
  }
  {
    StaticServer s(loopback_options(), [] { return false; });
    Client client(s.server->port());
    BOOST_TEST(client.get("/-/healthy").status == 503);
  }
}

BOOST_AUTO_TEST_CASE(ready_once_every_collector_reported) {
  StaticStore data({"alpha", "beta"});
  HttpServer server(loopback_options(), data.store, [] { return true; });
  server.start();
  Client client(server.port());
  BOOST_TEST(client.get("/-/ready").status == 503);
  data.publish("alpha", 1);
  BOOST_TEST(client.get("/-/ready").status == 503);
  data.publish("beta", 2, false);  // a failed run still counts as reported
  const Response r = client.get("/-/ready");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "Ready\n");
}

BOOST_AUTO_TEST_CASE(landing_page) {
  StaticServer s;
  s.data.publish("beta", 2, false);
  Client client(s.server->port());
  const Response r = client.get("/");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(contains(r.header("content-type"), "text/html"));
  BOOST_TEST(contains(r.body, "<a href=\"/metrics\">"), r.body);
  BOOST_TEST(contains(r.body, "<a href=\"/-/healthy\">"));
  BOOST_TEST(contains(r.body, "<td>alpha</td>"), r.body);
  BOOST_TEST(contains(r.body, "<td>beta</td>"), r.body);
  BOOST_TEST(contains(r.body, "pi-test"));
  BOOST_TEST(contains(r.body, "1 of 2 collectors failing"), r.body);
  // Collector errors are escaped, not injected.
  BOOST_TEST(contains(r.body, "sensor &lt;b&gt;unreadable&lt;/b&gt;"), r.body);
  BOOST_TEST(!contains(r.body, "<b>unreadable</b>"));
}

BOOST_AUTO_TEST_CASE(unknown_path_is_404) {
  StaticServer s;
  Client client(s.server->port());
  BOOST_TEST(client.get("/nope").status == 404);
  BOOST_TEST(client.get("/metrics/").status == 404);
  BOOST_TEST(client.get("/-/").status == 404);
}

BOOST_AUTO_TEST_CASE(other_methods_are_405) {
  StaticServer s;
  Client client(s.server->port());
  const Response post = client.get("/metrics", method("POST"));
  BOOST_TEST(post.status == 405);
  BOOST_TEST(post.header("allow") == "GET, HEAD");
  BOOST_TEST(client.get("/metrics", method("PUT")).status == 405);
  BOOST_TEST(client.get("/", method("DELETE")).status == 405);
}

BOOST_AUTO_TEST_CASE(extra_routes_get_method_body_and_headers) {
  HttpServerOptions o = loopback_options();
  std::vector<HttpRequest> seen;
  std::mutex seen_mutex;
  const auto record = [&](const HttpRequest& r) {
    std::lock_guard lock(seen_mutex);
    seen.push_back(r);
    return HttpReply{201,
                     "application/json",
                     "{\"n\":" + std::to_string(r.body.size()) + "}",
                     {{"X-Route", r.path}}};
  };
  o.routes.push_back({{"POST"}, "/api/v2/alerts", false, 64, record});
  o.routes.push_back({{"GET", "DELETE"}, "/api/v2/silence/", true, 0, record});
  StaticServer s(o);
  Client client(s.server->port());

  Request post = method("POST");
  post.body = std::string(64, 'a');
  post.headers.push_back("X-Hawatch-Signature: abc");
  const Response ok = client.get("/api/v2/alerts?x=1", post);
  BOOST_TEST(ok.status == 201);
  BOOST_TEST(ok.body == "{\"n\":64}");
  BOOST_TEST(ok.header("x-route") == "/api/v2/alerts");

  post.body = std::string(65, 'a');
  BOOST_TEST(client.get("/api/v2/alerts", post).status == 413);

  const Response wrong = client.get("/api/v2/alerts", method("GET"));
  BOOST_TEST(wrong.status == 405);
  BOOST_TEST(wrong.header("allow") == "POST");

  BOOST_TEST(client.get("/api/v2/silence/1234", method("DELETE")).status == 201);
  BOOST_TEST(client.get("/api/v2/silence/", method("POST")).status == 405);

  std::lock_guard lock(seen_mutex);
  BOOST_REQUIRE(seen.size() == 2u);  // the refused requests never reach the handler
  BOOST_TEST(seen[0].method == "POST");
  BOOST_TEST(seen[0].query == "x=1");
  BOOST_TEST(seen[0].header("x-hawatch-signature") == "abc");
  BOOST_TEST(seen[0].header("absent").empty());
  BOOST_TEST(seen[1].method == "DELETE");
  BOOST_TEST(seen[1].path == "/api/v2/silence/1234");
}

BOOST_AUTO_TEST_CASE(telemetry_path_option) {
  HttpServerOptions o = loopback_options();
  o.telemetry_path = "/custom";
  StaticServer s(o);
  Client client(s.server->port());
  const Response r = client.get("/custom");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(contains(r.body, "test_static_value{collector=\"alpha\"} 1\n"));
  BOOST_TEST(client.get("/metrics").status == 404);
  BOOST_TEST(contains(client.get("/").body, "<a href=\"/custom\">"));
}

BOOST_AUTO_TEST_CASE(keep_alive_reuses_the_connection) {
  StaticServer s;
  Client client(s.server->port());
  const Response first = client.get("/metrics");
  BOOST_TEST(first.status == 200);
  BOOST_TEST(first.new_connections == 1);
  const Response second = client.get("/metrics");
  BOOST_TEST(second.status == 200);
  BOOST_TEST(second.new_connections == 0, "the second request opened a new connection");
  const Response third = client.get("/-/healthy");
  BOOST_TEST(third.new_connections == 0);
}

// A body above the size the handler writes straight to the socket (3 KiB): whole, correct
// Content-Length, in both encodings, and the connection stays usable for the next request.
BOOST_AUTO_TEST_CASE(large_exposition_is_served_whole_on_a_kept_alive_connection) {
  StaticStore data;
  MetricSink sink;
  for (int i = 0; i < 3000; ++i)
    sink.gauge("test_large_series", "Many series.", i, {{"i", std::to_string(i)}});
  CollectorOutcome o;
  o.collector = "alpha";
  o.success = true;
  o.finished_at = std::chrono::system_clock::now();
  o.stale_at = Clock::now() + 1h;
  o.families = prepare_families(sink.families());
  data.store->publish(1, std::move(o));
  data.publish("beta", 2);
  HttpServer server(loopback_options(), data.store, [] { return true; });
  server.start();
  const std::string expected = data.store->current()->text();
  BOOST_REQUIRE_GT(expected.size(), 64u * 1024);

  Client client(server.port());
  for (int round = 0; round < 2; ++round) {
    const Response plain = client.get("/metrics");
    BOOST_TEST(plain.status == 200);
    BOOST_TEST(plain.header("content-length") == std::to_string(expected.size()));
    BOOST_TEST(plain.body == expected);
    const Response gz = client.get("/metrics", negotiate("gzip"));
    BOOST_TEST(gz.status == 200);
    BOOST_TEST(gz.header("content-encoding") == "gzip");
    BOOST_TEST(gz.body == expected, "inflated gzip body differs");
    BOOST_TEST(client.get("/-/healthy").body == "Healthy\n");
    if (round > 0) BOOST_TEST(plain.new_connections == 0, "the connection was not kept alive");
  }
  const Response head = client.get("/metrics", method("HEAD"));
  BOOST_TEST(head.status == 200);
  BOOST_TEST(head.body.empty());
  BOOST_TEST(client.get("/metrics").body == expected, "the connection is usable after HEAD");
}

// Idle keep-alive clients must not starve a scrape. Poco serves a connection on one pool thread
// for its whole life and queues the rest, so with the old settings (30 s keep-alive, Poco's
// default pool) clients that made one request and went quiet held every thread and a scrape
// waited in the queue: 54 s with 20 idle clients on one build, 22 s with 48 on another. 48 is more
// than the old server ever ran threads for. Not a timed assertion: the scrape only has to succeed
// within the client's generous 10 s timeout, and every idle client must be answered in the end.
BOOST_AUTO_TEST_CASE(idle_keep_alive_clients_do_not_starve_a_scrape) {
  StaticServer s;
  constexpr int kIdleClients = 48;
  std::vector<std::unique_ptr<UniqueFd>> idle;
  for (int i = 0; i < kIdleClients; ++i) {
    idle.push_back(std::make_unique<UniqueFd>(connect_loopback(s.server->port())));
    // One keep-alive request each, then quiet, holding the connection open.
    send_all(idle.back()->get(), "GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n");
  }

  Client client(s.server->port());
  const Response r = client.get("/metrics");
  BOOST_TEST(r.status == 200, "scrape with " << kIdleClients << " idle keep-alive clients: status "
                                             << r.status << " after " << r.seconds << " s");
  BOOST_TEST(contains(r.body, "test_static_value{collector=\"alpha\"} 1\n"));

  int answered = 0;
  const auto deadline = Clock::now() + 10s;
  for (const auto& fd : idle)
    answered += contains(read_until(fd->get(), "Healthy\n", deadline), "Healthy\n");
  BOOST_TEST(answered == kIdleClients,
             answered << " of " << kIdleClients << " idle clients were answered");
}

BOOST_AUTO_TEST_CASE(pipelined_requests_sent_before_a_close_are_all_answered) {
  // Requests already read ahead must still be answered after the client's FIN.
  StaticServer s;
  UniqueFd fd(connect_loopback(s.server->port()));
  send_all(fd.get(),
           "GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n"
           "GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n");
  ::shutdown(fd.get(), SHUT_WR);
  const std::string got = read_until(fd.get(), "<never>", Clock::now() + 10s);
  std::size_t answers = 0;
  for (auto at = got.find("HTTP/1.1 200"); at != std::string::npos;
       at = got.find("HTTP/1.1 200", at + 1))
    ++answers;
  BOOST_TEST(answers == 3u, "answers to 3 pipelined requests: " << answers << "\n" << got);
  BOOST_TEST(contains(got, "test_static_value{collector=\"alpha\"} 1\n"));
}

BOOST_AUTO_TEST_CASE(a_client_closing_a_kept_alive_connection_frees_its_thread_at_once) {
  // One server thread: the second client is served only once the first connection has ended,
  // which must happen when its client closes, not after the 5 s keep-alive wait.
  auto options = loopback_options();
  options.max_threads = 1;
  StaticServer s(options);
  {
    UniqueFd first(connect_loopback(s.server->port()));
    send_all(first.get(), "GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n");
    BOOST_TEST(contains(read_until(first.get(), "Healthy\n", Clock::now() + 5s), "Healthy\n"));
  }  // closed here, kept alive until now
  const auto start = Clock::now();
  UniqueFd second(connect_loopback(s.server->port()));
  send_all(second.get(), "GET /-/healthy HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(contains(read_until(second.get(), "Healthy\n", Clock::now() + 10s), "Healthy\n"));
  const auto waited = std::chrono::duration<double>(Clock::now() - start).count();
  BOOST_TEST(waited < 2.5, "the second client waited " << waited << " s for the only thread");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(basic_auth)

BOOST_AUTO_TEST_CASE(credentials_are_required_and_checked) {
  WebConfig web;
  web.source = "web-config.yml";
  web.basic_auth_users["user"] = read_htpasswd_hash("user");
  BOOST_REQUIRE(web.basic_auth_users["user"].rfind("$2y$10$", 0) == 0);
  HttpServerOptions o = loopback_options();
  o.web = web;
  StaticServer s(o);
  Client client(s.server->port());

  const Response none = client.get("/metrics");
  BOOST_TEST(none.status == 401);
  BOOST_TEST(none.header("www-authenticate").rfind("Basic ", 0) == 0,
             none.header("www-authenticate"));
  BOOST_TEST(!contains(none.body, "test_static_value"));

  const Response wrong = client.get("/metrics", credentials("user:wrong"));
  BOOST_TEST(wrong.status == 401);
  BOOST_TEST(!contains(wrong.body, "test_static_value"));
  BOOST_TEST(client.get("/metrics", credentials("nobody:secret")).status == 401);
  BOOST_TEST(client.get("/metrics", raw_header("Authorization: Basic !!!not-base64")).status ==
             401);
  BOOST_TEST(client.get("/metrics", raw_header("Authorization: Bearer abc")).status == 401);

  const Response right = client.get("/metrics", credentials("user:secret"));
  BOOST_TEST(right.status == 200);
  BOOST_TEST(contains(right.body, "test_static_value{collector=\"alpha\"} 1\n"));
  // Cached verdicts must not let a wrong password through after a right one.
  BOOST_TEST(client.get("/metrics", credentials("user:secret")).status == 200);
  BOOST_TEST(client.get("/metrics", credentials("user:Secret")).status == 401);
}

BOOST_AUTO_TEST_CASE(extra_response_headers) {
  WebConfig web;
  web.headers["X-Content-Type-Options"] = "nosniff";
  HttpServerOptions o = loopback_options();
  o.web = web;
  StaticServer s(o);
  Client client(s.server->port());
  BOOST_TEST(client.get("/metrics").header("x-content-type-options") == "nosniff");
  BOOST_TEST(client.get("/nope").header("x-content-type-options") == "nosniff");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------
// Hostile clients: limits on the request head and on connections waiting for one (head_gate.h).

namespace {

// A connection from another loopback address, as an attacker's own host would be.
int connect_from(const char* source, std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  BOOST_REQUIRE(::inet_pton(AF_INET, source, &from.sin_addr) == 1);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
  return fd;
}

std::string status_line(const std::string& answer) {
  return answer.substr(0, answer.find("\r\n"));
}

std::string ask_raw(std::uint16_t port, const std::string& request) {
  UniqueFd fd(connect_loopback(port));
  send_all(fd.get(), request);
  return read_until(fd.get(), "<never>", Clock::now() + 10s);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_clients)

BOOST_AUTO_TEST_CASE(head_scanner_limits) {
  HeadLimits l;
  l.max_head_bytes = 64;
  l.max_request_line_bytes = 20;
  l.max_header_fields = 2;
  BOOST_TEST((scan_http_head("GET / HTTP/1.1\r\nHost: a\r\n", l) == HeadState::incomplete));
  BOOST_TEST((scan_http_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n", l) == HeadState::complete));
  BOOST_TEST((scan_http_head("\r\nGET / HTTP/1.1\n\n", l) == HeadState::complete));
  BOOST_TEST((scan_http_head("GET /" + std::string(30, 'a'), l) == HeadState::request_line_long));
  BOOST_TEST((scan_http_head("GET / HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", l) ==
              HeadState::too_many_fields));
  BOOST_TEST(
      (scan_http_head("GET / HTTP/1.1\r\nx: " + std::string(70, 'v'), l) == HeadState::too_large));
  BOOST_TEST((scan_tls_hello(std::string("\x16\x03\x01\x00\x05", 5)) == HeadState::incomplete));
  BOOST_TEST((scan_tls_hello(std::string("\x16\x03\x01\x00\x01X", 6)) == HeadState::complete));
  BOOST_TEST((scan_tls_hello("GET /") == HeadState::complete));
}

BOOST_AUTO_TEST_CASE(oversized_heads_get_414_and_431) {
  StaticServer s;
  const auto port = s.server->port();
  BOOST_TEST(status_line(ask_raw(port, "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n")) ==
             "HTTP/1.1 414 URI Too Long");
  BOOST_TEST(
      status_line(ask_raw(port, "GET / HTTP/1.1\r\nX: " + std::string(17000, 'v') + "\r\n\r\n")) ==
      "HTTP/1.1 431 Request Header Fields Too Large");
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 101; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
  BOOST_TEST(status_line(ask_raw(port, many + "\r\n")) ==
             "HTTP/1.1 431 Request Header Fields Too Large");
  // Within the limits the same server still answers.
  BOOST_TEST(status_line(ask_raw(port,
                                 "GET /-/healthy HTTP/1.1\r\nHost: t\r\nConnection: "
                                 "close\r\n\r\n")) == "HTTP/1.1 200 OK");
}

BOOST_AUTO_TEST_CASE(a_head_that_does_not_arrive_in_time_gets_408) {
  auto options = loopback_options();
  options.head_limits.head_deadline = 300ms;
  StaticServer s(options);
  UniqueFd fd(connect_loopback(s.server->port()));
  send_all(fd.get(), "GET /metrics HTTP/1.1\r\nHost");
  const auto start = Clock::now();
  const std::string got = read_until(fd.get(), "<never>", Clock::now() + 10s);
  BOOST_TEST(status_line(got) == "HTTP/1.1 408 Request Timeout");
  BOOST_TEST((Clock::now() - start < 8s), "the deadline holds for the whole head");
}

BOOST_AUTO_TEST_CASE(one_client_address_is_capped_at_429) {
  auto options = loopback_options();
  options.head_limits.max_waiting_per_client = 4;
  StaticServer s(options);
  std::vector<std::unique_ptr<UniqueFd>> held;
  for (int i = 0; i < 4; ++i)
    held.push_back(std::make_unique<UniqueFd>(connect_from("127.0.0.2", s.server->port())));
  UniqueFd extra(connect_from("127.0.0.2", s.server->port()));
  BOOST_TEST(status_line(read_until(extra.get(), "<never>", Clock::now() + 10s)) ==
             "HTTP/1.1 429 Too Many Requests");
  Client client(s.server->port());  // another address is not affected
  BOOST_TEST(client.get("/metrics").status == 200);
}

// The defect of issue 18: idle and trickling connections made every scrape fail. 400 of them
// from another address (the per-client cap lifted) must leave /metrics answerable; the bound is
// generous for a loaded CI machine, the real figures are in BENCHMARKS.md (bench/slowloris.sh).
BOOST_AUTO_TEST_CASE(scrapes_succeed_during_a_slowloris_of_400_connections) {
  auto options = loopback_options();
  options.head_limits.max_waiting_per_client = 1000;
  options.head_limits.max_waiting = 256;  // also exercises dropping the oldest at the cap
  StaticServer s(options);
  std::vector<std::unique_ptr<UniqueFd>> attackers;
  for (int i = 0; i < 400; ++i) {
    attackers.push_back(std::make_unique<UniqueFd>(connect_from("127.0.0.2", s.server->port())));
    if (i % 2 == 0) send_all(attackers.back()->get(), "GET /metrics HTTP/1.1\r\nX");
  }
  Client client(s.server->port());
  for (int i = 0; i < 20; ++i) {
    for (std::size_t a = 0; a < attackers.size(); a += 2)  // trickle one more byte
      ::send(attackers[a]->get(), "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    const Response r = client.get("/metrics");
    BOOST_TEST(r.status == 200, "scrape " << i << " during the slowloris: " << r.status);
    BOOST_TEST(r.seconds < 2.0, "scrape " << i << " took " << r.seconds << " s");
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hostile_clients_more)

BOOST_AUTO_TEST_CASE(a_head_cut_short_by_the_client_is_400_at_once) {
  StaticServer s;
  const auto start = Clock::now();
  UniqueFd fd(connect_loopback(s.server->port()));
  send_all(fd.get(), "GET /metrics HTTP/1.1\r\nHost: t\r\n");
  ::shutdown(fd.get(), SHUT_WR);
  BOOST_TEST(status_line(read_until(fd.get(), "<never>", Clock::now() + 20s)) ==
             "HTTP/1.1 400 Bad Request");
  BOOST_TEST((Clock::now() - start < 8s), "refused before the 10 s head deadline");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_bodies)

HttpServerOptions echo_options() {
  auto options = loopback_options();
  HttpRoute echo;
  echo.methods = {"POST"};
  echo.path = "/api/echo";
  echo.max_body_bytes = 64;
  echo.handler = [](const HttpRequest& r) { return HttpReply{200, "text/plain", r.body, {}}; };
  options.routes.push_back(echo);
  options.body_deadline = 500ms;
  return options;
}

// RFC 9112 6.3: neither Content-Length nor Transfer-Encoding means no body, not "read until the
// client closes"; what follows on the connection is the next request.
BOOST_AUTO_TEST_CASE(a_post_without_length_has_an_empty_body_and_the_next_request_follows) {
  StaticServer s(echo_options());
  UniqueFd fd(connect_loopback(s.server->port()));
  const auto start = Clock::now();
  send_all(
      fd.get(),
      "POST /api/echo HTTP/1.1\r\nHost: t\r\n\r\n"
      "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnext");
  const std::string got = read_until(fd.get(), "next", Clock::now() + 8s);
  BOOST_TEST(got.find("HTTP/1.1 200 OK\r\n") == 0, got);
  BOOST_TEST(got.find("Content-Length: 0\r\n") != std::string::npos,
             "the first body is empty: " << got);
  BOOST_TEST(got.find("\r\n\r\nnext") != std::string::npos,
             "the second request was served: " << got);
  BOOST_TEST((Clock::now() - start < 3s), "no wait for the client to close");
}

BOOST_AUTO_TEST_CASE(a_transfer_encoding_other_than_chunked_gets_400_and_a_close) {
  StaticServer s(echo_options());
  UniqueFd fd(connect_loopback(s.server->port()));
  send_all(fd.get(),
           "POST /api/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n"
           "GET /api/echo HTTP/1.1\r\nHost: t\r\n\r\n");
  const std::string got = read_until(fd.get(), "\r\n\r\n", Clock::now() + 8s);
  BOOST_TEST(status_line(got) == "HTTP/1.1 400 Bad Request", got);
  BOOST_TEST(got.find("Connection: Close\r\n") != std::string::npos, "and closes: " << got);
}

BOOST_AUTO_TEST_CASE(a_trickled_body_gets_408_after_the_body_deadline) {
  StaticServer s(echo_options());
  UniqueFd fd(connect_loopback(s.server->port()));
  const auto start = Clock::now();
  send_all(fd.get(), "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\nab");
  std::string got;
  for (int i = 0; i < 30 && got.empty(); ++i) {
    ::send(fd.get(), "c", 1, MSG_NOSIGNAL);  // a byte every 200 ms: no single read times out
    got = read_until(fd.get(), "\r\n", Clock::now() + 200ms);
  }
  BOOST_TEST(status_line(got).starts_with("HTTP/1.1 408 "), got);
  BOOST_TEST((Clock::now() - start < 5s), "the deadline bounds the whole body");
}

BOOST_AUTO_TEST_CASE(bodies_within_limits_are_echoed_fixed_and_chunked) {
  StaticServer s(echo_options());
  const std::string got = ask_raw(s.server->port(),
                                  "POST /api/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n"
                                  "abc"
                                  "POST /api/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
                                  "chunked\r\nConnection: close\r\n\r\n2\r\nde\r\n0\r\n\r\n");
  BOOST_TEST(contains(got, "\r\n\r\nabc"), got);
  BOOST_TEST(contains(got, "\r\n\r\nde"), got);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reused_connections)

std::size_t count_entries(const char* dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator{}));
}

// A reverse proxy's pattern: a few connections reused for many requests of mixed methods, with
// bodies and pipelining, and malformed requests between the good ones. Every good request gets
// its answer, every bad one a 4xx and the connection closed, and nothing leaks.
BOOST_AUTO_TEST_CASE(mixed_requests_over_reused_connections_leak_nothing) {
  auto options = loopback_options();
  HttpRoute echo;
  echo.methods = {"POST"};
  echo.path = "/api/echo";
  echo.max_body_bytes = 64;
  echo.handler = [](const HttpRequest& r) { return HttpReply{200, "text/plain", r.body, {}}; };
  options.routes.push_back(echo);
  StaticServer s(options);
  // Warm up the thread pool so that its threads count in the baseline.
  for (int i = 0; i < 4; ++i) ask_raw(s.server->port(), "GET /-/healthy HTTP/1.0\r\n\r\n");
  const std::size_t fds_before = count_entries("/proc/self/fd");
  const std::size_t threads_before = count_entries("/proc/self/task");

  const std::string good =
      "GET /-/healthy HTTP/1.1\r\nHost: p\r\n\r\n"
      "POST /api/echo HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\n\r\nhello"
      "HEAD /metrics HTTP/1.1\r\nHost: p\r\n\r\n"
      "POST /api/echo HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: p\r\nAccept-Encoding: gzip\r\n\r\n"
      "GET /metrics HTTP/1.1\r\nHost: p\r\n\r\n";  // its body ends the read below
  const std::vector<std::string> bad = {
      "GARBAGE\r\n\r\n",
      // After the first request of a connection Poco parses the head, with its own limits
      // (a 256-byte field name, a 16 KiB request target); see head_gate.h.
      "GET / HTTP/1.1\r\n" + std::string(300, 'n') + ": v\r\n\r\n",
      "POST /api/echo HTTP/1.1\r\nHost: p\r\nContent-Length: 500\r\n\r\n",
      "GET /" + std::string(17000, 'x') + " HTTP/1.1\r\n\r\n",
  };
  int good_answers = 0;
  int refusals = 0;
  for (int round = 0; round < 8; ++round) {
    UniqueFd fd(connect_loopback(s.server->port()));
    send_all(fd.get(), good);  // six pipelined requests
    std::string got =
        read_until(fd.get(), "test_static_series{collector=\"beta\",i=\"49\"}", Clock::now() + 10s);
    got += read_until(fd.get(), "<never>", Clock::now() + 300ms);
    for (auto at = got.find("HTTP/1.1 200"); at != std::string::npos;
         at = got.find("HTTP/1.1 200", at + 1))
      ++good_answers;
    BOOST_TEST(contains(got, "\r\n\r\nhello"));
    BOOST_TEST(contains(got, "\r\n\r\nabc"));
    // Then a bad one on the same (reused) connection: refused, connection closed.
    send_all(fd.get(), bad[static_cast<std::size_t>(round) % bad.size()]);
    const std::string refusal = read_until(fd.get(), "<never>", Clock::now() + 10s);
    refusals += refusal.starts_with("HTTP/1.1 4");
    BOOST_TEST_MESSAGE("round " << round << ": " << status_line(refusal));
  }
  BOOST_TEST(good_answers == 8 * 6, good_answers << " 200s for 8 x 6 pipelined good requests");
  BOOST_TEST(refusals == 8, refusals << " of 8 malformed requests got a 4xx");
  // Connections end on their own threads; give them a moment.
  for (int i = 0; i < 50 && count_entries("/proc/self/fd") > fds_before; ++i)
    std::this_thread::sleep_for(100ms);
  BOOST_TEST(count_entries("/proc/self/fd") <= fds_before);
  BOOST_TEST(count_entries("/proc/self/task") <= threads_before + 4,
             "threads: " << threads_before << " -> " << count_entries("/proc/self/task"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(stopping)

// A worker that took up a kept-alive connection in the moment of stop() used to miss the abort
// and serve it until its timeout (10 s past SIGTERM, found by test_dashboards). Stop under
// keep-alive load, several rounds so the moment is hit: stop() returns and every client sees its
// connection closed within a few seconds, never a timeout's length later.
BOOST_AUTO_TEST_CASE(stop_under_keep_alive_load_closes_every_connection_promptly) {
  using namespace std::chrono_literals;
  constexpr int kRounds = 20;
  constexpr int kClients = 12;
  // Wider under qemu (time_scale), but below the 10 s that a missed connection or worker costs.
  const auto bound = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::min(3.0 * hawatch::test::time_scale(), 8.0)));
  for (int round = 0; round < kRounds; ++round) {
    auto s = std::make_unique<StaticServer>();
    const std::uint16_t port = s->server->port();
    std::atomic<Clock::rep> stop_started{0};
    std::vector<Clock::duration> closed_after(kClients, Clock::duration::max());
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c)
      clients.emplace_back([&, c] {
        // A request every millisecond on a kept-alive connection, a new connection when the
        // server closed it (it does with connections queued), until the server is gone. Only a
        // close after stop() began counts.
        static constexpr std::string_view kHead = "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
        for (;;) {
          UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
          sockaddr_in addr{};
          addr.sin_family = AF_INET;
          addr.sin_port = htons(port);
          addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
          bool open =
              ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
          // Three requests per connection, then a new one: workers keep taking up connections,
          // which is the moment the old stop() missed.
          for (int requests = 0; open && requests < 3; ++requests) {
            open = ::send(fd.get(), kHead.data(), kHead.size(), MSG_NOSIGNAL) ==
                       static_cast<ssize_t>(kHead.size()) &&
                   read_until(fd.get(), "\r\n\r\n", Clock::now() + 12s).find("\r\n\r\n") !=
                       std::string::npos;
            if (open) std::this_thread::sleep_for(1ms);
          }
          if (const auto started = stop_started.load(); started != 0 && !open) {
            closed_after[static_cast<std::size_t>(c)] =
                Clock::now() - Clock::time_point(Clock::duration(started));
            return;
          }
        }
      });
    std::this_thread::sleep_for(50ms);  // every client in its request loop
    const auto t0 = Clock::now();
    stop_started = t0.time_since_epoch().count();
    s->server->stop();
    const auto stop_took = Clock::now() - t0;
    for (auto& t : clients) t.join();
    BOOST_TEST((stop_took < bound), "round " << round << ": stop() took "
                                             << std::chrono::duration<double>(stop_took).count()
                                             << " s");
    for (int c = 0; c < kClients; ++c)
      BOOST_TEST((closed_after[static_cast<std::size_t>(c)] < bound),
                 "round " << round << ", client " << c
                          << ": its connection was not closed soon after stop()");
  }
}

BOOST_AUTO_TEST_SUITE_END()
