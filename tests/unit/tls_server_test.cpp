// HTTPS through the tls module's code, linked into this test (it registers its socket factory from
// a static initialiser, as it does when the daemon loads tls.so): the server on 127.0.0.1 with the
// fixture certificate, mutual TLS, and TLS setup errors reported at tls_server_config's position.
#define BOOST_TEST_MODULE tls_server
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "core/exposition.h"
#include "core/metric_sink.h"
#include "core/module_loader.h"
#include "core/snapshot.h"
#include "http/http_server.h"
#include "http/tls_socket.h"
#include "http/web_config.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using namespace hawatch;
using namespace std::chrono_literals;

namespace {

const fs::path kWeb = fs::path(HAWATCH_FIXTURES) / "web";
const std::string kCert = (kWeb / "server.crt").string();
const std::string kKey = (kWeb / "server.key").string();

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};
BOOST_TEST_GLOBAL_FIXTURE(CurlGlobal);

struct Reply {
  CURLcode rc = CURLE_OK;
  long status = 0;
  std::string body;
};

size_t append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// GET over HTTPS, trusting the fixture certificate; `client` adds it as the client certificate.
Reply get(const std::string& url, bool client = false) {
  Reply r;
  std::unique_ptr<CURL, void (*)(CURL*)> h(curl_easy_init(), curl_easy_cleanup);
  BOOST_REQUIRE(h);
  curl_easy_setopt(h.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(h.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h.get(), CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(h.get(), CURLOPT_CAINFO, kCert.c_str());
  if (client) {
    curl_easy_setopt(h.get(), CURLOPT_SSLCERT, kCert.c_str());
    curl_easy_setopt(h.get(), CURLOPT_SSLKEY, kKey.c_str());
  }
  curl_easy_setopt(h.get(), CURLOPT_WRITEFUNCTION, &append);
  curl_easy_setopt(h.get(), CURLOPT_WRITEDATA, &r.body);
  r.rc = curl_easy_perform(h.get());
  curl_easy_getinfo(h.get(), CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

// A web config file in `dir` with a tls_server_config of `tls_lines`; returns it parsed.
WebConfig web_config(const test::TempDir& dir, const std::string& tls_lines) {
  const auto path = dir.path / "web.yml";
  std::ofstream(path) << "# test web config\ntls_server_config:\n" << tls_lines;
  return load_web_config(path.string());
}

// An HTTPS server whose snapshot has enough series that /metrics takes the direct-send path
// (bodies over 3 KiB bypass Poco's stream buffer; on TLS without MSG_MORE).
struct TlsServer {
  explicit TlsServer(const WebConfig& web) : store(std::make_shared<SnapshotStore>()) {
    store->begin_generation(1, {"tls"});
    MetricSink sink;
    for (int i = 0; i < 100; ++i)
      sink.gauge("test_tls_series", "Served over TLS.", i, {{"i", std::to_string(i)}});
    CollectorOutcome o;
    o.collector = "tls";
    o.success = true;
    o.finished_at = std::chrono::system_clock::now();
    o.stale_at = std::chrono::steady_clock::now() + 1h;
    o.families = prepare_families(sink.families());
    store->publish(1, std::move(o));
    HttpServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.web = web;
    require_tls_support(web);
    server = std::make_unique<HttpServer>(options, store, [] { return true; });
    server->start();
    url = "https://127.0.0.1:" + std::to_string(server->port());
  }
  std::shared_ptr<SnapshotStore> store;
  std::unique_ptr<HttpServer> server;
  std::string url;
};

}  // namespace

BOOST_AUTO_TEST_CASE(serves_metrics_over_https_without_loading_the_module) {
  test::TempDir dir;
  TlsServer tls(web_config(dir, "  cert_file: " + kCert + "\n  key_file: " + kKey + "\n"));
  // The factory came with the linked-in code: nothing was dlopened.
  BOOST_TEST(!module_loaded("tls"));
  const Reply r = get(tls.url + "/metrics");
  BOOST_REQUIRE_MESSAGE(r.rc == CURLE_OK, curl_easy_strerror(r.rc));
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body.size() > 3 * 1024u);
  BOOST_TEST(r.body.find("test_tls_series{i=\"99\"} 99") != std::string::npos);
  // Plain HTTP to the TLS port gets no answer.
  const Reply plain = get("http://127.0.0.1:" + std::to_string(tls.server->port()) + "/metrics");
  BOOST_TEST(!(plain.rc == CURLE_OK && plain.status == 200));
}

BOOST_AUTO_TEST_CASE(mutual_tls_requires_a_certificate_from_the_client_ca) {
  test::TempDir dir;
  TlsServer tls(web_config(dir, "  cert_file: " + kCert + "\n  key_file: " + kKey +
                                    "\n  client_auth_type: RequireAndVerifyClientCert\n"
                                    "  client_ca_file: " +
                                    kCert + "\n"));
  const Reply with = get(tls.url + "/-/healthy", true);
  BOOST_REQUIRE_MESSAGE(with.rc == CURLE_OK, curl_easy_strerror(with.rc));
  BOOST_TEST(with.status == 200);
  const Reply without = get(tls.url + "/-/healthy", false);
  BOOST_TEST(without.rc != CURLE_OK);
}

BOOST_AUTO_TEST_CASE(unusable_tls_material_is_an_error_at_tls_server_config) {
  test::TempDir dir;
  // ca.crt is another certificate: server.key does not belong to it.
  const WebConfig web = web_config(
      dir, "  cert_file: " + (kWeb / "ca.crt").string() + "\n  key_file: " + kKey + "\n");
  try {
    check_tls_setup(web);
    BOOST_ERROR("a key that does not match its certificate passed check_tls_setup");
  } catch (const ConfigError& e) {
    BOOST_REQUIRE(e.diagnostics().size() == 1u);
    const auto& d = e.diagnostics().front();
    BOOST_TEST(d.file == (dir.path / "web.yml").string());
    BOOST_TEST(d.line == 3);
    BOOST_TEST(d.column == 3);
    BOOST_TEST(d.message.find("tls_server_config: TLS setup failed") != std::string::npos,
               d.message);
  }
  HttpServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.web = web;
  BOOST_CHECK_THROW(HttpServer(options, std::make_shared<SnapshotStore>(), [] { return true; }),
                    std::runtime_error);
}

BOOST_AUTO_TEST_CASE(a_config_without_tls_needs_no_tls_support) {
  WebConfig web;
  web.source = "web.yml";
  BOOST_CHECK_NO_THROW(require_tls_support(web));
  BOOST_CHECK_NO_THROW(check_tls_setup(web));
}

// Issue 18: a truncated ClientHello held a worker thread for 20 s, so a few hundred of them
// starved every HTTPS scrape. The connection gate waits for the whole ClientHello record without
// a thread (head_gate.h).
BOOST_AUTO_TEST_CASE(a_flood_of_truncated_client_hellos_leaves_scrapes_answered) {
  test::TempDir dir;
  TlsServer tls(web_config(dir, "  cert_file: " + kCert + "\n  key_file: " + kKey + "\n"));
  std::vector<int> flood;
  for (int i = 0; i < 200; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_REQUIRE(fd >= 0);
    flood.push_back(fd);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 2 + i % 4);  // 50 each, under the cap
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(tls.server->port());
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0);
    BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0);
    // A handshake record announcing 512 bytes, of which 9 come.
    static const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00\x00\x00";
    ::send(fd, hello, sizeof hello - 1, MSG_NOSIGNAL);
  }
  for (int i = 0; i < 10; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const Reply r = get(tls.url + "/metrics");
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    BOOST_TEST(r.rc == CURLE_OK, "scrape " << i << ": " << curl_easy_strerror(r.rc));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(took.count() < 3.0, "scrape " << i << " took " << took.count() << " s");
  }
  for (const int fd : flood) ::close(fd);
}
