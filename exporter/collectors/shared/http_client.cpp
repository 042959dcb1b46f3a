#include "http_client.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <ctime>
#include <mutex>
#include <stdexcept>

#include "core/file_io.h"
#include "core/url_redact.h"
#include "hawatch/version.h"

namespace hawatch::net {

CurlPtr make_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlPtr curl(curl_easy_init());
  if (!curl) throw std::runtime_error("libcurl could not create a handle");
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: timeouts must not use SIGALRM
  curl_easy_setopt(c, CURLOPT_PROXY, "");     // probe the target itself, never via http_proxy
  static const std::string agent = std::string("hawatch/") + kVersion;
  curl_easy_setopt(c, CURLOPT_USERAGENT, agent.c_str());
  return curl;
}

namespace {
void check_readable(MapReader& section, const std::string& key, const std::string& path) {
  if (!path.empty() && ::access(path.c_str(), R_OK) != 0)
    section.context().error(section.node(key), "\"" + section.where() + "." + key + "\": cannot read " +
                                                   path);
}
}  // namespace

TlsOptions read_tls_options(MapReader& section) {
  TlsOptions tls;
  YAML::Node node = section.node("tls_config");
  MapReader r(node, section.context(), section.where() + ".tls_config");
  tls.ca_file = r.string("ca_file").value_or("");
  tls.cert_file = r.string("cert_file").value_or("");
  tls.key_file = r.string("key_file").value_or("");
  tls.insecure_skip_verify = r.boolean("insecure_skip_verify").value_or(false);
  check_readable(r, "ca_file", tls.ca_file);
  check_readable(r, "cert_file", tls.cert_file);
  check_readable(r, "key_file", tls.key_file);
  if (!tls.key_file.empty() && tls.cert_file.empty())
    section.context().error(r.node("key_file"),
                            "\"" + r.where() + ".key_file\" needs cert_file as well");
  r.finish();
  return tls;
}

AuthOptions read_auth_options(MapReader& section) {
  AuthOptions auth;
  YAML::Node node = section.node("basic_auth");
  MapReader r(node, section.context(), section.where() + ".basic_auth");
  auth.username = r.string("username").value_or("");
  auth.password_file = r.string("password_file").value_or("");
  if (node.IsMap() && auth.username.empty())
    section.context().error(node, "\"" + r.where() + ".username\" is required");
  check_readable(r, "password_file", auth.password_file);
  r.finish();
  auth.bearer_token_file = section.string("bearer_token_file").value_or("");
  check_readable(section, "bearer_token_file", auth.bearer_token_file);
  if (!auth.bearer_token_file.empty() && !auth.username.empty())
    section.context().error(section.node("bearer_token_file"),
                            "\"" + section.where() + "\": use basic_auth or bearer_token_file, not both");
  return auth;
}

bool check_http_url(const std::string& url, const YAML::Node& at, ConfigContext& ctx,
                    const std::string& key) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  std::string why;
  if (!u) {
    why = "out of memory";
  } else if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0); rc != CURLUE_OK) {
    why = curl_url_strerror(rc);
  } else {
    char* scheme = nullptr;
    curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0);
    const std::string s = scheme ? scheme : "";
    curl_free(scheme);
    if (s != "http" && s != "https") why = "scheme must be http or https";
  }
  if (why.empty()) return true;
  ctx.error(at, "\"" + key + "\": bad URL \"" + redact_url(url) + "\": " + why);
  return false;
}

void apply_tls(CURL* c, const TlsOptions& tls) {
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, tls.insecure_skip_verify ? 0L : 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, tls.insecure_skip_verify ? 0L : 2L);
  if (!tls.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) curl_easy_setopt(c, CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) curl_easy_setopt(c, CURLOPT_SSLKEY, tls.key_file.c_str());
  curl_easy_setopt(c, CURLOPT_CERTINFO, 1L);
}

std::string read_secret_file(const std::string& path) {
  std::string text = read_file(path, 64 * 1024);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

SlistPtr apply_auth(CURL* c, const AuthOptions& auth, SlistPtr headers) {
  if (!auth.username.empty()) {
    const std::string password = auth.password_file.empty() ? "" : read_secret_file(auth.password_file);
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, auth.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, password.c_str());  // curl copies it
  }
  if (!auth.bearer_token_file.empty()) {
    const std::string header = "Authorization: Bearer " + read_secret_file(auth.bearer_token_file);
    curl_slist* grown = curl_slist_append(headers.get(), header.c_str());
    if (!grown) throw std::runtime_error("out of memory building request headers");
    (void)headers.release();
    headers.reset(grown);
  }
  return headers;
}

long curl_timeout_ms(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 1 ? static_cast<long>(left.count()) : 1L;
}

std::string classify_curl_error(CURLcode code, const char* detail) {
  // With TLS 1.3 a server rejecting our client certificate says so in an alert on the first
  // read, which libcurl reports as a receive error: still a TLS failure.
  if ((code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR) && detail &&
      std::string_view(detail).find("SSL") != std::string_view::npos)
    return "tls";
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST: return "resolve";
    case CURLE_COULDNT_CONNECT: return "connect";
    case CURLE_OPERATION_TIMEDOUT: return "timeout";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_USE_SSL_FAILED: return "tls";
    default: return "http";
  }
}

namespace {
std::optional<double> not_after_seconds(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  if (!bio) return std::nullopt;
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr),
                                                   &X509_free);
  if (!cert) return std::nullopt;
  struct tm tm {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) return std::nullopt;
  return static_cast<double>(timegm(&tm));
}
}  // namespace

std::optional<double> earliest_cert_expiry(CURL* c) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_CERTINFO, &info) != CURLE_OK || !info) return std::nullopt;
  std::optional<double> earliest;
  for (int i = 0; i < info->num_of_certs; ++i) {
    for (curl_slist* field = info->certinfo[i]; field; field = field->next) {
      const std::string_view text = field->data;
      if (text.rfind("Cert:", 0) != 0) continue;
      if (auto t = not_after_seconds(std::string(text.substr(5))))
        earliest = earliest ? std::min(*earliest, *t) : *t;
    }
  }
  return earliest;
}

}  // namespace hawatch::net
