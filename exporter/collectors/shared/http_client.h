#pragma once
// libcurl plumbing shared by the http, peer and tcp probes: one RAII handle, TLS and auth options
// read from the config, deadlines, error classification and certificate expiry.

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "core/config_reader.h"

namespace hawatch::net {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// A fresh easy handle with the settings every probe wants (no signals, no proxy from the
// environment, our user agent). Throws when libcurl cannot allocate one.
CurlPtr make_curl();

// Prometheus' tls_config vocabulary. Verification is on unless insecure_skip_verify says otherwise.
struct TlsOptions {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  bool insecure_skip_verify = false;
};

// Credentials come from files only, read at each attempt so that rotation needs no reload.
struct AuthOptions {
  std::string username;
  std::string password_file;
  std::string bearer_token_file;
};

// Reads `tls_config` / `basic_auth` / `bearer_token_file` from `section`, reporting problems.
TlsOptions read_tls_options(MapReader& section);
AuthOptions read_auth_options(MapReader& section);
// Validates an http(s) URL with libcurl's own parser; reports at `at` when it is not one.
bool check_http_url(const std::string& url, const YAML::Node& at, ConfigContext& ctx,
                    const std::string& key);

void apply_tls(CURL* curl, const TlsOptions& tls);
// Throws (a local problem) when a credential file cannot be read. Returns headers to keep alive.
SlistPtr apply_auth(CURL* curl, const AuthOptions& auth, SlistPtr headers);

// Time left until `deadline` in whole milliseconds, at least 1 (0 would mean "no timeout" to curl).
long curl_timeout_ms(std::chrono::steady_clock::time_point deadline);

// The failure reason keyword for a libcurl error code (and its error buffer): resolve, connect,
// timeout, tls or http.
std::string classify_curl_error(CURLcode code, const char* detail = nullptr);

// The earliest notAfter of the peer's certificate chain (seconds since the epoch), from
// CURLINFO_CERTINFO (needs CURLOPT_CERTINFO before the transfer). nullopt without TLS.
std::optional<double> earliest_cert_expiry(CURL* curl);

// Reads a small secret file (password, token) without its trailing newline. Throws.
std::string read_secret_file(const std::string& path);

}  // namespace hawatch::net
