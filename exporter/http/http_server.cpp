#include "http_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnectionFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <Poco/ThreadPool.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "basic_auth.h"
#include "core/log.h"
#include "core/parse.h"
#include "core/prom_text.h"
#include "hawatch/version.h"
#include "head_gate.h"
#include "socket_handoff.h"
#include "status_page.h"
#include "tls_socket.h"

namespace hawatch {

using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPResponse;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

ListenAddress parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("listen address \"" + text + "\" has no :PORT");
  ListenAddress out;
  out.host = text.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  } else if (out.host.find_first_of(":[]") != std::string::npos) {
    // "::1:9100" is ambiguous (host "::1" or "::1:9100" with no port?); like Go's
    // net.SplitHostPort, insist on brackets instead of guessing.
    throw std::invalid_argument("listen address \"" + text +
                                "\": an IPv6 host must be in brackets, as in [::1]:9847");
  }
  const std::string port = text.substr(colon + 1);
  // Digits only: strtol alone would also take " 80" and "+80".
  const bool digits = !port.empty() && port.find_first_not_of("0123456789") == std::string::npos;
  const long p = digits && port.size() <= 5 ? std::strtol(port.c_str(), nullptr, 10) : -1;
  if (p < 0 || p > 65535)
    throw std::invalid_argument("listen address \"" + text + "\" has an invalid port");
  out.port = static_cast<std::uint16_t>(p);
  return out;
}

const std::string& HttpRequest::header(const std::string& name) const {
  static const std::string empty;
  const auto it = headers.find(name);
  return it == headers.end() ? empty : it->second;
}

namespace {

struct Shared {
  Shared(HttpServerOptions o, std::shared_ptr<SnapshotStore> s, std::function<bool()> h,
         std::map<std::string, std::string> users)
      : options(std::move(o)), store(std::move(s)), healthy(std::move(h)), auth(std::move(users)) {}
  HttpServerOptions options;
  std::shared_ptr<SnapshotStore> store;
  std::function<bool()> healthy;
  BasicAuth auth;
  StatusHistory history;
  // Set once the worker pool exists; handlers only run while it does.
  std::atomic<const Poco::Net::TCPServerDispatcher*> dispatcher{nullptr};
  // Set when the server begins to stop: a connection a worker took up in that moment answers its
  // request and closes, instead of idling in keep-alive on a server that is going away.
  std::atomic<bool> stopping{false};
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Whether Accept-Encoding lists gzip with a non-zero weight (RFC 9110 12.5.3): "gzip",
// "gzip, deflate", "deflate, gzip;q=0.5" do; "gzip;q=0", "identity" do not. Parsed per coding
// because a substring test gets weights such as "gzip;q=0.5" wrong.
bool accepts_gzip(const HTTPServerRequest& req) {
  // A copy: get() with a default returns a reference to that (temporary) default when the
  // header is absent, which must not outlive this statement.
  const std::string header = req.get("Accept-Encoding", "");
  std::string_view rest = header;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto semi = item.find(';');
    if (!iequals(trim(item.substr(0, semi)), "gzip")) continue;
    double q = 1.0;
    for (auto params = semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1);
         !params.empty();) {
      const auto next = params.find(';');
      const auto param = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view{} : params.substr(next + 1);
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
        q = to_double(param.substr(2)).value_or(1.0);
    }
    return q > 0;
  }
  return false;
}

void send(HTTPServerResponse& res, const HTTPServerRequest& req, HTTPResponse::HTTPStatus status,
          const std::string& content_type, const std::string& body) {
  res.setStatusAndReason(status);
  res.setContentType(content_type);
  res.setContentLength(static_cast<std::streamsize>(body.size()));
  if (req.getMethod() == "HEAD") {
    res.send();
    return;
  }
  res.sendBuffer(body.data(), body.size());
}

// Poco copies a body through its 4 KiB stream buffer, one send() per 4 KiB: 91 system calls for a
// 374 KB exposition (10k series), 1300 for 100k. Above this size the headers (formatted once by
// Poco) and the prepared body go straight to the socket instead: two sends, coalesced into full
// segments by MSG_MORE on plain TCP. Below it, Poco's one send for both is as good.
constexpr std::size_t kDirectBodyBytes = 3 * 1024;

void send_all(Poco::Net::StreamSocket& socket, std::string_view data, int flags) {
  while (!data.empty()) {
    const int n = socket.sendBytes(data.data(), static_cast<int>(data.size()), flags);
    if (n <= 0) throw std::runtime_error("connection closed while sending the response");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void send_body(HTTPServerRequest& req, HTTPServerResponse& res, const std::string& body) {
  auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&req);
  if (body.size() < kDirectBodyBytes || impl == nullptr) {
    res.sendBuffer(body.data(), body.size());
    return;
  }
  std::ostringstream head;  // Poco formats headers into an ostream only; a few hundred bytes
  res.write(head);
  Poco::Net::StreamSocket& socket = impl->socket();
  send_all(socket, head.str(), socket.secure() ? 0 : MSG_MORE);
  send_all(socket, body, 0);
}

class Handler final : public HTTPRequestHandler {
 public:
  explicit Handler(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  ~Handler() override { socket_handoff::worker_done(); }
  Handler(const Handler&) = delete;
  Handler& operator=(const Handler&) = delete;

  void handleRequest(HTTPServerRequest& req, HTTPServerResponse& res) override {
    try {
      // Poco serves a connection on one thread for its whole life. With connections waiting
      // for a thread, close this one after the answer instead of idling on it.
      if (const auto* workers = shared_->dispatcher.load();
          shared_->stopping.load() || (workers && workers->queuedConnections() > 0))
        res.setKeepAlive(false);
      for (const auto& [name, value] : shared_->options.web ? shared_->options.web->headers
                                                            : std::map<std::string, std::string>{})
        res.set(name, value);
      if (shared_->auth.enabled() &&
          !shared_->auth.check(req.get("Authorization", ""), req.clientAddress().toString())) {
        res.set("WWW-Authenticate", "Basic realm=\"hawatch\"");
        send(res, req, HTTPResponse::HTTP_UNAUTHORIZED, "text/plain; charset=utf-8",
             "Unauthorized\n");
        return;
      }
      if (const HttpRoute* route = find_route(req); route != nullptr)
        return serve_route(*route, req, res);
      if (req.getMethod() != "GET" && req.getMethod() != "HEAD") {
        res.set("Allow", "GET, HEAD");
        send(res, req, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
             "Method Not Allowed\n");
        return;
      }
      dispatch(req, res);
    } catch (const std::exception& e) {
      // A response may be half sent: never reuse the connection after a failure.
      res.setKeepAlive(false);
      // The path only: a query string may carry a token.
      log::warn("http request failed",
                {{"path", req.getURI().substr(0, req.getURI().find('?'))}, {"err", e.what()}});
    }
  }

 private:
  static std::string path_of(const HTTPServerRequest& req) {
    const std::string& uri = req.getURI();
    return uri.substr(0, uri.find('?'));
  }

  // The first extra route whose path matches, whatever the method.
  const HttpRoute* find_route(const HTTPServerRequest& req) const {
    const std::string path = path_of(req);
    for (const HttpRoute& route : shared_->options.routes) {
      if (route.prefix ? path.starts_with(route.path) : path == route.path) return &route;
    }
    return nullptr;
  }

  void serve_route(const HttpRoute& route, HTTPServerRequest& req, HTTPServerResponse& res) {
    const std::string method = req.getMethod() == "HEAD" ? "GET" : req.getMethod();
    if (std::find(route.methods.begin(), route.methods.end(), method) == route.methods.end()) {
      std::string allow;
      for (const auto& m : route.methods) allow += (allow.empty() ? "" : ", ") + m;
      res.set("Allow", allow);
      return send(res, req, HTTPResponse::HTTP_METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                  "Method Not Allowed\n");
    }
    HttpRequest request;
    request.method = method;
    request.path = path_of(req);
    if (const auto q = req.getURI().find('?'); q != std::string::npos)
      request.query = req.getURI().substr(q + 1);
    for (const auto& [name, value] : req) {
      std::string key = name;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      auto [it, fresh] = request.headers.emplace(key, value);
      if (!fresh) it->second += ", " + value;
    }
    request.client = req.clientAddress().toString();
    // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3),
    // as `curl -X POST` sends it to the failover API; Poco's stream for it would instead read
    // until the client closes, so it is not read at all.
    // A Transfer-Encoding that does not end in chunked leaves the body's end unknown: 400 and
    // close (RFC 9112 6.3), so that no proxy and hawatch disagree on where the next request starts.
    if (req.has("Transfer-Encoding") && !req.getChunkedTransferEncoding()) {
      res.setKeepAlive(false);
      return send(res, req, HTTPResponse::HTTP_BAD_REQUEST, "text/plain; charset=utf-8",
                  "Transfer-Encoding without chunked as its last coding\n");
    }
    const bool has_body = req.hasContentLength() || req.getChunkedTransferEncoding();
    switch (has_body
                ? read_body(req, route.max_body_bytes, shared_->options.body_deadline, request.body)
                : BodyRead::ok) {
      case BodyRead::ok:
        break;
      case BodyRead::too_large:
        res.setKeepAlive(false);  // the rest of the body is still on the wire
        return send(
            res, req, HTTPResponse::HTTP_REQUESTENTITYTOOLARGE, "text/plain; charset=utf-8",
            "Request body larger than " + std::to_string(route.max_body_bytes) + " bytes\n");
      case BodyRead::too_slow:
        res.setKeepAlive(false);
        return send(res, req, HTTPResponse::HTTP_REQUEST_TIMEOUT, "text/plain; charset=utf-8",
                    "Request body not received in time\n");
    }
    const HttpReply reply = route.handler(request);
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    send(res, req, static_cast<HTTPResponse::HTTPStatus>(reply.status), reply.content_type,
         reply.body);
  }

  enum class BodyRead { ok, too_large, too_slow };

  // Reads at most `limit` bytes of body within `deadline`: each socket read may wait only for
  // what is left of it, so a client trickling its body cannot hold the thread for longer.
  static BodyRead read_body(HTTPServerRequest& req, std::size_t limit,
                            std::chrono::milliseconds deadline, std::string& body) {
    if (req.hasContentLength() && req.getContentLength64() > static_cast<std::int64_t>(limit))
      return BodyRead::too_large;
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&req);
    // Later requests on the connection get the server's usual read timeout back.
    struct RestoreTimeout {
      Poco::Net::HTTPServerRequestImpl* impl;
      Poco::Timespan saved = impl ? impl->socket().getReceiveTimeout() : Poco::Timespan();
      ~RestoreTimeout() {
        if (impl) impl->socket().setReceiveTimeout(saved);
      }
    } restore{impl};
    const auto end = std::chrono::steady_clock::now() + deadline;
    std::istream& in = req.stream();
    char buffer[8192];
    while (in) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return BodyRead::too_slow;
      if (impl != nullptr) impl->socket().setReceiveTimeout(Poco::Timespan(left.count()));
      // peek() makes at most one socket read; readsome() then takes what it brought. A plain
      // read() would loop over socket reads until its buffer is full, past the deadline.
      try {
        if (in.peek() == std::char_traits<char>::eof()) break;
      } catch (const Poco::TimeoutException&) {
        return BodyRead::too_slow;
      }
      in.readsome(buffer, sizeof buffer);
      const auto n = static_cast<std::size_t>(in.gcount());
      if (body.size() + n > limit) return BodyRead::too_large;
      body.append(buffer, n);
    }
    // A failed socket read (its timeout) ends the stream with badbit rather than an exception.
    return in.bad() ? BodyRead::too_slow : BodyRead::ok;
  }

  void dispatch(HTTPServerRequest& req, HTTPServerResponse& res) {
    std::string path = req.getURI();
    if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
    const auto& opts = shared_->options;
    if (path == opts.telemetry_path) return metrics(req, res);
    if (path == "/-/healthy") {
      const bool ok = shared_->healthy();
      return send(res, req, ok ? HTTPResponse::HTTP_OK : HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                  "text/plain; charset=utf-8", ok ? "Healthy\n" : "Unhealthy: scheduler stalled\n");
    }
    if (path == "/-/ready") {
      const bool ok = shared_->store->ready();
      return send(res, req, ok ? HTTPResponse::HTTP_OK : HTTPResponse::HTTP_SERVICE_UNAVAILABLE,
                  "text/plain; charset=utf-8",
                  ok ? "Ready\n" : "Not ready: first collection running\n");
    }
    if (path == "/") return status_page(req, res);
    send(res, req, HTTPResponse::HTTP_NOT_FOUND, "text/plain; charset=utf-8", "Not Found\n");
  }

  void status_page(HTTPServerRequest& req, HTTPServerResponse& res) {
    const auto& opts = shared_->options;
    // The page judges from the exposition a scrape would get, so the two never disagree.
    const plugins::PromText exposition =
        plugins::parse_prometheus_text(shared_->store->current()->text());
    StatusPageInput input;
    input.node_name = opts.node_name;
    input.telemetry_path = opts.telemetry_path;
    input.collectors = shared_->store->status();
    input.last_reload_successful = shared_->store->last_reload_successful();
    input.extra_html = render_pi_section(exposition) +
                       (opts.status_sections ? opts.status_sections() : std::string());
    input.role = node_role(exposition);
    input.subsystems = assess_subsystems(input.collectors, exposition);
    input.sparklines = shared_->history.sparklines();
    send(res, req, HTTPResponse::HTTP_OK, "text/html; charset=utf-8", render_status_page(input));
  }

  void metrics(HTTPServerRequest& req, HTTPServerResponse& res) {
    const auto snapshot = shared_->store->current();
    res.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    const bool gzip = accepts_gzip(req);
    const std::string& body = gzip ? snapshot->gzipped() : snapshot->text();
    if (gzip) res.set("Content-Encoding", "gzip");
    res.set("Vary", "Accept-Encoding");
    res.setContentLength(static_cast<std::streamsize>(body.size()));
    res.setStatusAndReason(HTTPResponse::HTTP_OK);
    if (req.getMethod() == "HEAD") {
      res.send();
      return;
    }
    send_body(req, res, body);
  }

  std::shared_ptr<Shared> shared_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
  HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    // Poco's factory interface returns an owning raw pointer; HTTPServerConnection deletes it.
    return new Handler(shared_);
  }
  // Shuts down the socket of every connection being served (HTTPServer::stopAll(true)).
  void abort_connections() { serverStopped(this, true); }

 private:
  std::shared_ptr<Shared> shared_;
};

constexpr long kKeepAliveSeconds = 5;
constexpr int kThreadStackBytes = 512 * 1024;

// TCPServerDispatcher is reference-counted by hand (its destructor is not public).
struct ReleaseDispatcher {
  void operator()(Poco::Net::TCPServerDispatcher* d) const { d->release(); }
};

}  // namespace

// Samples the served values for the status page's sparklines until stopped.
class HistorySampler {
 public:
  HistorySampler(std::shared_ptr<Shared> shared, std::chrono::seconds interval)
      : thread_([this, shared = std::move(shared), interval] { run(*shared, interval); }) {}
  ~HistorySampler() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  HistorySampler(const HistorySampler&) = delete;
  HistorySampler& operator=(const HistorySampler&) = delete;

 private:
  void run(Shared& shared, std::chrono::seconds interval) {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      // Not before the first collection: an empty snapshot would only draw zeros.
      if (shared.store->ready()) {
        lock.unlock();
        shared.history.sample(plugins::parse_prometheus_text(shared.store->current()->text()),
                              std::chrono::system_clock::now());
        lock.lock();
        wake_.wait_for(lock, interval, [&] { return stop_; });
      } else {
        wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the members it uses exist
};

// Connections go listener -> HeadGate (one thread, no worker until the request head is in; see
// head_gate.h) -> Poco's TCPServerDispatcher queue -> a pool thread running Poco's
// HTTPServerConnection (parsing, keep-alive, pipelining) -> Handler.
struct HttpServer::Impl {
  std::shared_ptr<Shared> shared;
  std::unique_ptr<HistorySampler> sampler;
  Poco::SharedPtr<Factory> factory;
  // Declared before the dispatcher, which borrows it and must be destroyed first.
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::TCPServerDispatcher, ReleaseDispatcher> dispatcher;
  std::unique_ptr<HeadGate> gate;
  std::uint16_t port = 0;
  int max_queued = 0;

  // On the gate's thread: never blocks.
  void hand_over(const Poco::Net::StreamSocket& socket) {
    if (dispatcher->queuedConnections() >= max_queued) {
      Poco::Net::StreamSocket copy = socket;
      if (!socket.secure()) send_refusal(copy, 503, "Service Unavailable");
      return;
    }
    dispatcher->enqueue(socket);
  }
};

HttpServer::HttpServer(HttpServerOptions options, std::shared_ptr<SnapshotStore> store,
                       std::function<bool()> healthy)
    : impl_(std::make_unique<Impl>()) {
  std::map<std::string, std::string> users;
  if (options.web) users = options.web->basic_auth_users;
  impl_->shared = std::make_shared<Shared>(options, std::move(store), std::move(healthy), users);

  const ListenAddress addr = parse_listen_address(options.listen_address);
  Poco::Net::ServerSocket socket;
  try {
    if (options.web && options.web->tls)
      socket = make_tls_server_socket(*options.web->tls);  // from the tls module
    if (addr.host.empty()) {
      try {
        // Dual-stack: one socket for IPv6 and IPv4, as node_exporter's ":9100" does.
        socket.bind6(Poco::Net::SocketAddress(Poco::Net::IPAddress::IPv6, addr.port), true, false,
                     false);
      } catch (const Poco::Exception&) {
        socket.bind(Poco::Net::SocketAddress(Poco::Net::IPAddress::IPv4, addr.port), true, false);
      }
    } else {
      // reusePort stays off: Poco's two-argument bind() also sets SO_REUSEPORT, which lets a
      // second hawatch share the port silently instead of failing with "address in use".
      socket.bind(Poco::Net::SocketAddress(addr.host, addr.port), true, false);
    }
    socket.listen(64);
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + options.listen_address + ": " + e.displayText());
  }
  impl_->port = socket.address().port();

  auto params = Poco::makeAuto<Poco::Net::HTTPServerParams>();
  params->setMaxThreads(options.max_threads);
  params->setMaxQueued(options.max_queued);
  params->setKeepAlive(true);
  params->setMaxKeepAliveRequests(1000);
  // An idle kept-alive connection holds a pool thread until this runs out; Prometheus scrapes
  // every 15 s or more, so a longer wait would only keep threads from other clients.
  params->setKeepAliveTimeout(Poco::Timespan(kKeepAliveSeconds, 0));
  params->setTimeout(Poco::Timespan(10, 0));  // a client that stalls mid-request is dropped
  params->setServerName(std::string("hawatch/") + kVersion);
  // An own pool instead of Poco's default one (16 threads, shared process-wide): threads start on
  // demand up to max_threads and idle ones end after a minute; small stacks, as a request needs
  // little (the body is prepared text).
  impl_->pool = std::make_unique<Poco::ThreadPool>(1, options.max_threads, 60, kThreadStackBytes);
  impl_->factory = Poco::makeShared<Factory>(impl_->shared);
  impl_->max_queued = options.max_queued;
  impl_->dispatcher.reset(new Poco::Net::TCPServerDispatcher(
      Poco::makeShared<Poco::Net::HTTPServerConnectionFactory>(params, impl_->factory),
      *impl_->pool, params));
  impl_->shared->dispatcher = impl_->dispatcher.get();
  const bool tls = options.web && options.web->tls;
  impl_->gate = std::make_unique<HeadGate>(
      socket, tls, options.head_limits,
      [impl = impl_.get()](const Poco::Net::StreamSocket& s) { impl->hand_over(s); });
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  impl_->gate->start();
  if (impl_->shared->options.history_interval.count() > 0)
    impl_->sampler =
        std::make_unique<HistorySampler>(impl_->shared, impl_->shared->options.history_interval);
}

void HttpServer::stop() {
  if (impl_ && impl_->gate) {
    impl_->shared->stopping = true;
    impl_->gate->stop();        // no new connections, waiting ones closed
    impl_->dispatcher->stop();  // the queue emptied, no connection taken up from it any more
    // What HTTPServer::stopAll(true) does: shut down every served connection's socket, so idle
    // kept-alive ones end at once rather than after their keep-alive wait. Repeated until the
    // workers are gone: a connection a worker dequeued just before the stop registers for the
    // abort only when it starts, after a first abort would have passed it by. The dispatcher's
    // stop is repeated too: it wakes the threads waiting on its queue, and a worker that was
    // between two connections at the first one goes on to wait the whole idle time (10 s) for
    // a wake-up that already passed (Poco 1.11; seen in http_server_test "stopping").
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    do {
      impl_->factory->abort_connections();
      impl_->dispatcher->stop();
      if (impl_->dispatcher->currentThreads() == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < give_up);
    impl_->pool->joinAll();
    impl_->shared->dispatcher = nullptr;
    impl_->dispatcher.reset();
    impl_->gate.reset();
  }
  if (impl_) impl_->sampler.reset();
}

std::uint16_t HttpServer::port() const {
  return impl_->port;
}

}  // namespace hawatch
