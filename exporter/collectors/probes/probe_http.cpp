// http and peer probes: one libcurl request per attempt, checked for status, body and JSON.

#include <Poco/Exception.h>
#include <Poco/RegularExpression.h>

#include <memory>
#include <stdexcept>

#include "collectors/shared/http_client.h"
#include "core/url_redact.h"
#include "probe.h"
#include "probe_json_check.h"

namespace hawatch::probe {

// The address, ICMP and HTTP helpers probes share with other collectors.
using namespace net;
namespace {

struct HttpOptions {
  std::string url;
  std::string method = "GET";
  std::vector<std::pair<std::string, std::string>> headers;
  std::optional<std::string> body;
  std::vector<long> valid_status_codes;  // empty: any 2xx
  bool follow_redirects = true;
  long max_redirects = 10;
  std::shared_ptr<const Poco::RegularExpression> body_regex;
  std::shared_ptr<const Poco::RegularExpression> body_not_regex;
  std::vector<JsonCheck> json_checks;
  TlsOptions tls;
  AuthOptions auth;
  std::size_t max_body_bytes = 1 << 20;
};

struct Response {
  std::string body;
  std::size_t limit = 0;
  bool truncated = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* r = static_cast<Response*>(user);
  const size_t n = size * count;
  if (r->body.size() + n > r->limit) {
    r->truncated = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  r->body.append(data, n);
  return n;
}

class HttpProbe final : public Probe {
 public:
  HttpProbe(std::string kind, HttpOptions o) : kind_(std::move(kind)), o_(std::move(o)) {}

  std::string kind() const override { return kind_; }
  std::vector<std::string> failure_reasons() const override {
    return {"resolve", "connect", "timeout", "tls", "http", "status_code", "body_too_large",
            "body_regex", "json"};
  }

  Outcome run(std::chrono::steady_clock::time_point deadline, MetricSink& sink,
              const Labels& labels) override {
    CurlPtr curl = make_curl();
    CURL* c = curl.get();
    char errbuf[CURL_ERROR_SIZE] = {};
    Response response;
    response.limit = o_.max_body_bytes;
    curl_easy_setopt(c, CURLOPT_URL, o_.url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, o_.follow_redirects ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, o_.max_redirects);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, curl_timeout_ms(deadline));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &write_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
    if (o_.method == "HEAD") {
      curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (o_.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, o_.method.c_str());
    }
    if (o_.body) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(o_.body->size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, o_.body->c_str());
    }
    SlistPtr headers;
    for (const auto& [name, value] : o_.headers) {
      const std::string line = name + ": " + value;
      curl_slist* grown = curl_slist_append(headers.get(), line.c_str());
      if (!grown) throw std::runtime_error("out of memory building request headers");
      (void)headers.release();
      headers.reset(grown);
    }
    headers = apply_auth(c, o_.auth, std::move(headers));
    if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    apply_tls(c, o_.tls);

    const CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    long redirects = 0;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_COUNT, &redirects);
    sink.gauge("hawatch_probe_http_status_code",
               "HTTP status of the probe's last response (0: no response).", static_cast<double>(status),
               labels);
    sink.gauge("hawatch_probe_http_redirects", "Redirects followed in the probe's last attempt.",
               static_cast<double>(redirects), labels);
    if (auto expiry = earliest_cert_expiry(c))
      sink.gauge("hawatch_probe_tls_cert_expiry_timestamp_seconds",
                 "Earliest notAfter in the certificate chain the target presented.", *expiry, labels);

    std::vector<JsonCheckResult> json;
    Outcome outcome = judge(rc, errbuf, status, response, json);
    for (std::size_t i = 0; i < o_.json_checks.size(); ++i) {
      Labels l = labels;
      l.push_back({"check", o_.json_checks[i].text});
      sink.gauge("hawatch_probe_json_check_success",
                 "Whether a JSON field check passed on the probe's last response.",
                 i < json.size() && json[i].passed ? 1 : 0, l);
    }
    return outcome;
  }

 private:
  Outcome judge(CURLcode rc, const char* errbuf, long status, const Response& response,
                std::vector<JsonCheckResult>& json) const {
    if (rc == CURLE_WRITE_ERROR && response.truncated)
      return Outcome::fail("body_too_large", "response body larger than " +
                                                 std::to_string(o_.max_body_bytes) + " bytes");
    if (rc != CURLE_OK) {
      std::string detail = curl_easy_strerror(rc);
      if (errbuf[0]) detail += std::string(": ") + errbuf;
      return Outcome::fail(classify_curl_error(rc, errbuf), redact_urls(o_.url) + ": " + detail);
    }
    if (!status_ok(status))
      return Outcome::fail("status_code",
                           redact_urls(o_.url) + ": unexpected status " + std::to_string(status));
    try {
      Poco::RegularExpression::Match m;
      if (o_.body_regex && o_.body_regex->match(response.body, 0, m) == 0)
        return Outcome::fail("body_regex",
                             redact_urls(o_.url) + ": body does not match body_regex");
      if (o_.body_not_regex && o_.body_not_regex->match(response.body, 0, m) != 0)
        return Outcome::fail("body_regex", redact_urls(o_.url) + ": body matches body_not_regex");
    } catch (const Poco::Exception& e) {
      return Outcome::fail("body_regex", redact_urls(o_.url) + ": regex: " + e.displayText());
    }
    if (!o_.json_checks.empty()) {
      json = evaluate_json_checks(o_.json_checks, response.body, nullptr);
      for (const auto& r : json)
        if (!r.passed) return Outcome::fail("json", redact_urls(o_.url) + ": " + r.detail);
    }
    return Outcome::ok();
  }

  bool status_ok(long status) const {
    if (o_.valid_status_codes.empty()) return status >= 200 && status <= 299;
    for (long s : o_.valid_status_codes)
      if (s == status) return true;
    return false;
  }

  std::string kind_;
  HttpOptions o_;
};

std::shared_ptr<const Poco::RegularExpression> compile(MapReader& r, const std::string& key) {
  auto pattern = r.string(key);
  if (!pattern) return nullptr;
  try {
    return std::make_shared<const Poco::RegularExpression>(*pattern);
  } catch (const Poco::Exception& e) {
    r.context().error(r.node(key), "\"" + r.where() + "." + key + "\": bad regular expression: " +
                                       e.displayText());
    return nullptr;
  }
}

bool read_url(MapReader& r, const YAML::Node& section, HttpOptions& o) {
  auto url = r.string("url");
  if (!url) {
    if (!r.node("url").IsDefined() || r.node("url").IsNull()) r.context().error(section, "\"" + r.where() + ".url\" is required");
    return false;
  }
  o.url = *url;
  return check_http_url(o.url, r.node("url"), r.context(), r.where() + ".url");
}

void read_headers(MapReader& r, HttpOptions& o) {
  const YAML::Node headers = r.node("headers");
  if (!headers.IsDefined() || headers.IsNull()) return;
  if (!headers.IsMap()) {
    r.context().error(headers, "\"" + r.where() + ".headers\" must be a mapping of name to value");
    return;
  }
  for (const auto& kv : headers) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
    const bool name_ok = !name.empty() && name.find_first_of(": \t\r\n") == std::string::npos;
    if (!name_ok || !kv.second.IsScalar() ||
        kv.second.Scalar().find_first_of("\r\n") != std::string::npos) {
      r.context().error(kv.first, "\"" + r.where() + ".headers\": bad header \"" + name + "\"");
      continue;
    }
    o.headers.emplace_back(name, kv.second.Scalar());
  }
}

void read_status_codes(MapReader& r, HttpOptions& o) {
  const YAML::Node codes = r.node("valid_status_codes");
  if (!codes.IsDefined() || codes.IsNull()) return;
  if (!codes.IsSequence()) {
    r.context().error(codes, "\"" + r.where() + ".valid_status_codes\" must be a list such as [200, 302]");
    return;
  }
  for (const auto& c : codes) {
    long code = 0;
    if (!c.IsScalar() || !YAML::convert<long>::decode(c, code) || code < 100 || code > 599) {
      r.context().error(c, "\"" + r.where() + ".valid_status_codes\": not an HTTP status code");
      continue;
    }
    o.valid_status_codes.push_back(code);
  }
}

void read_json_checks(MapReader& r, HttpOptions& o) {
  const YAML::Node checks = r.node("json_checks");
  if (!checks.IsDefined() || checks.IsNull()) return;
  if (!checks.IsSequence()) {
    r.context().error(checks, "\"" + r.where() + ".json_checks\" must be a list such as [\"available == true\"]");
    return;
  }
  for (const auto& c : checks) {
    std::string why;
    auto check = c.IsScalar() ? parse_json_check(c.Scalar(), &why) : std::nullopt;
    if (!check) {
      r.context().error(c, "\"" + r.where() + ".json_checks\": " +
                               (why.empty() ? "entries must be strings" : why));
      continue;
    }
    o.json_checks.push_back(std::move(*check));
  }
}

}  // namespace

std::unique_ptr<Probe> make_http_probe(const KindArgs& args) {
  MapReader r(args.options, args.ctx, args.where);
  if (!args.options.IsMap()) {
    if (args.options.IsNull() || !args.options.IsDefined())
      args.ctx.error(args.options, "\"" + args.where + "\" needs at least a url");
    return nullptr;
  }
  HttpOptions o;
  const bool url_ok = read_url(r, args.options, o);
  o.method = r.choice("method", {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
                 .value_or("GET");
  read_headers(r, o);
  o.body = r.string("body");
  read_status_codes(r, o);
  o.follow_redirects = r.boolean("follow_redirects").value_or(true);
  o.max_redirects = static_cast<long>(r.integer("max_redirects", 0, 50).value_or(10));
  o.body_regex = compile(r, "body_regex");
  o.body_not_regex = compile(r, "body_not_regex");
  read_json_checks(r, o);
  o.tls = read_tls_options(r);
  o.auth = read_auth_options(r);
  o.max_body_bytes =
      static_cast<std::size_t>(r.integer("max_body_bytes", 1, 64LL << 20).value_or(1 << 20));
  r.finish();
  if (!url_ok) return nullptr;
  return std::make_unique<HttpProbe>("http", std::move(o));
}

std::unique_ptr<Probe> make_peer_probe(const KindArgs& args) {
  MapReader r(args.options, args.ctx, args.where);
  if (!args.options.IsMap()) {
    if (args.options.IsNull() || !args.options.IsDefined())
      args.ctx.error(args.options, "\"" + args.where + "\" needs at least a url");
    return nullptr;
  }
  HttpOptions o;
  const bool url_ok = read_url(r, args.options, o);
  // A base URL such as http://backup:9847 means that hawatch's own health endpoint.
  const auto scheme_end = o.url.find("://");
  if (url_ok && o.url.find('/', scheme_end + 3) == std::string::npos) o.url += "/-/healthy";
  else if (url_ok && o.url.size() > scheme_end + 3 && o.url.back() == '/' &&
           o.url.find('/', scheme_end + 3) == o.url.size() - 1)
    o.url += "-/healthy";
  o.tls = read_tls_options(r);
  o.auth = read_auth_options(r);
  o.valid_status_codes = {200};
  o.follow_redirects = false;
  o.max_body_bytes = 64 * 1024;
  r.finish();
  if (!url_ok) return nullptr;
  return std::make_unique<HttpProbe>("peer", std::move(o));
}

}  // namespace hawatch::probe
