// tcp probe: connect (optionally TLS), optionally send a request and wait for an expected reply —
// e.g. a camera's RTSP port: send "OPTIONS ... RTSP/1.0", expect "^RTSP/1.0 200".
// libcurl's CONNECT_ONLY mode does the resolving, connecting and TLS with one deadline.

#include <Poco/Exception.h>
#include <Poco/RegularExpression.h>
#include <poll.h>

#include <memory>

#include "probe.h"
#include "collectors/shared/host_address.h"
#include "collectors/shared/http_client.h"

namespace hawatch::probe {

// The address, ICMP and HTTP helpers probes share with other collectors.
using namespace net;
namespace {

struct TcpOptions {
  HostPort target;
  bool tls = false;
  TlsOptions tls_options;
  std::optional<std::string> send;
  std::shared_ptr<const Poco::RegularExpression> expect;
  std::string expect_text;
  std::size_t max_read_bytes = 64 * 1024;
};

// Waits until the connection's socket is ready for `events` or the deadline passes.
bool wait_socket(CURL* c, short events, std::chrono::steady_clock::time_point deadline) {
  curl_socket_t fd = CURL_SOCKET_BAD;
  if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK || fd == CURL_SOCKET_BAD) return false;
  pollfd p{fd, events, 0};
  const long ms = curl_timeout_ms(deadline);
  return ::poll(&p, 1, static_cast<int>(ms)) > 0;
}

class TcpProbe final : public Probe {
 public:
  explicit TcpProbe(TcpOptions o) : o_(std::move(o)) {}

  std::string kind() const override { return "tcp"; }
  std::vector<std::string> failure_reasons() const override {
    return {"resolve", "connect", "timeout", "tls", "send", "expect"};
  }

  Outcome run(std::chrono::steady_clock::time_point deadline, MetricSink& sink,
              const Labels& labels) override {
    CurlPtr curl = make_curl();
    CURL* c = curl.get();
    char errbuf[CURL_ERROR_SIZE] = {};
    const std::string where = format_host_port(o_.target);
    const std::string url = (o_.tls ? "https://" : "http://") + where + "/";
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, curl_timeout_ms(deadline));
    if (o_.tls) apply_tls(c, o_.tls_options);
    const CURLcode rc = curl_easy_perform(c);
    if (o_.tls) {
      if (auto expiry = earliest_cert_expiry(c))
        sink.gauge("hawatch_probe_tls_cert_expiry_timestamp_seconds",
                   "Earliest notAfter in the certificate chain the target presented.", *expiry, labels);
    }
    if (rc != CURLE_OK) {
      std::string reason = classify_curl_error(rc, errbuf);
      if (reason == "http") reason = "connect";
      return Outcome::fail(reason, where + ": " + curl_easy_strerror(rc) +
                                       (errbuf[0] ? std::string(": ") + errbuf : ""));
    }
    if (o_.send) {
      if (auto failed = send_all(c, deadline, where)) return *failed;
    }
    if (o_.expect) return expect(c, deadline, where);
    return Outcome::ok();
  }

 private:
  std::optional<Outcome> send_all(CURL* c, std::chrono::steady_clock::time_point deadline,
                                  const std::string& where) {
    std::size_t offset = 0;
    while (offset < o_.send->size()) {
      size_t sent = 0;
      const CURLcode rc = curl_easy_send(c, o_.send->data() + offset, o_.send->size() - offset, &sent);
      if (rc == CURLE_AGAIN) {
        if (!wait_socket(c, POLLOUT, deadline))
          return Outcome::fail("timeout", where + ": timed out sending");
        continue;
      }
      if (rc != CURLE_OK) return Outcome::fail("send", where + ": sending: " + curl_easy_strerror(rc));
      offset += sent;
    }
    return std::nullopt;
  }

  Outcome expect(CURL* c, std::chrono::steady_clock::time_point deadline, const std::string& where) {
    std::string received;
    char buf[4096];
    Poco::RegularExpression::Match m;
    for (;;) {
      size_t n = 0;
      const CURLcode rc = curl_easy_recv(c, buf, sizeof buf, &n);
      if (rc == CURLE_AGAIN) {
        if (!wait_socket(c, POLLIN, deadline))
          return Outcome::fail("timeout", where + ": no reply matching \"" + o_.expect_text +
                                              "\" in time (got " + std::to_string(received.size()) +
                                              " bytes)");
        continue;
      }
      if (rc != CURLE_OK) return Outcome::fail("expect", where + ": reading: " + curl_easy_strerror(rc));
      received.append(buf, n);
      try {
        if (o_.expect->match(received, 0, m) > 0) return Outcome::ok();
      } catch (const Poco::Exception& e) {
        return Outcome::fail("expect", where + ": expect: " + e.displayText());
      }
      if (n == 0 || received.size() >= o_.max_read_bytes)
        return Outcome::fail("expect", where + ": reply does not match \"" + o_.expect_text + "\"");
    }
  }

  TcpOptions o_;
};

}  // namespace

std::unique_ptr<Probe> make_tcp_probe(const KindArgs& args) {
  MapReader r(args.options, args.ctx, args.where);
  if (!args.options.IsMap()) {
    if (r.valid()) args.ctx.error(args.options, "\"" + args.where + "\" needs at least an address");
    return nullptr;
  }
  TcpOptions o;
  bool ok = true;
  if (auto address = r.string("address")) {
    std::string why;
    auto hp = parse_host_port(*address, 0, &why);
    if (!hp) {
      args.ctx.error(r.node("address"), "\"" + args.where + ".address\": " + why);
      ok = false;
    } else {
      o.target = *hp;
    }
  } else {
    if (!r.node("address").IsDefined())
      args.ctx.error(args.options, "\"" + args.where + ".address\" (HOST:PORT) is required");
    ok = false;
  }
  o.tls = r.boolean("tls").value_or(false);
  o.tls_options = read_tls_options(r);
  if (!o.tls && r.has("tls_config"))
    args.ctx.error(r.node("tls_config"), "\"" + args.where + ".tls_config\" needs tls: true");
  o.send = r.string("send");
  if (auto expect = r.string("expect")) {
    try {
      o.expect = std::make_shared<const Poco::RegularExpression>(*expect);
      o.expect_text = *expect;
    } catch (const Poco::Exception& e) {
      args.ctx.error(r.node("expect"), "\"" + args.where + ".expect\": bad regular expression: " +
                                           e.displayText());
      ok = false;
    }
  }
  r.finish();
  if (!ok) return nullptr;
  return std::make_unique<TcpProbe>(std::move(o));
}

}  // namespace hawatch::probe
