#include "receivers/webhook/webhook.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

namespace hawatch::alerting {

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

DeliveryResult::Outcome classify_http_status(long status) {
  if (status >= 200 && status < 300) return DeliveryResult::Outcome::delivered;
  if (status == 429 || (status >= 500 && status < 600)) return DeliveryResult::Outcome::retry;
  return DeliveryResult::Outcome::permanent;
}

namespace {

bool valid_header_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}
bool valid_header_value(const std::string& value) {
  return value.find_first_of("\r\n") == std::string::npos && value.find('\0') == std::string::npos;
}

void append_header(net::SlistPtr& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (!grown) throw std::runtime_error("out of memory building request headers");
  (void)list.release();
  list.reset(grown);
}

// Counts the answer's bytes and drops them: only whether there was one is reported.
std::size_t count_answer(char*, std::size_t size, std::size_t n, void* user) {
  *static_cast<std::size_t*>(user) += size * n;
  return size * n;
}

}  // namespace

WebhookConfig read_webhook_config(const YAML::Node& node, ConfigContext& ctx,
                                  const std::string& where) {
  MapReader m(node, ctx, where);
  WebhookConfig c;
  auto url = m.string("url");
  auto url_file = m.string("url_file");
  if (url && url_file) {
    ctx.error(m.node("url_file"), where + ": url and url_file are mutually exclusive");
  } else if (url) {
    c.url = *url;
    net::check_http_url(c.url, m.node("url"), ctx, where + ".url");
  } else if (url_file) {
    c.url_file = *url_file;
  } else {
    ctx.error(node, where + ": url or url_file is required");
  }
  c.send_resolved = m.boolean("send_resolved").value_or(true);
  c.max_alerts = static_cast<std::size_t>(m.integer("max_alerts", 0, 1 << 20).value_or(0));
  if (auto t = m.duration("timeout")) {
    if (t->count() <= 0) {
      ctx.error(m.node("timeout"), where + ".timeout must be positive");
    } else {
      c.timeout = *t;
    }
  }
  YAML::Node headers = m.node("headers");
  if (headers.IsMap()) {
    for (const auto& kv : headers) {
      const std::string name = kv.first.as<std::string>("");
      const std::string value = kv.second.IsScalar() ? kv.second.Scalar() : "";
      if (!valid_header_name(name) || !kv.second.IsScalar() || !valid_header_value(value)) {
        ctx.error(kv.first, where + ".headers: \"" + name + "\" is not a valid header");
        continue;
      }
      c.headers[name] = value;
    }
  } else if (headers.IsDefined() && !headers.IsNull()) {
    ctx.error(headers, where + ".headers must be a mapping of header names to values");
  }
  MapReader http(m.node("http_config"), ctx, where + ".http_config");
  c.tls = net::read_tls_options(http);
  c.auth = net::read_auth_options(http);
  http.finish();
  c.hmac_secret_file = m.string("hmac_secret_file").value_or("");
  auto header_key = [&](const char* key, std::string& out) {
    if (auto v = m.string(key)) {
      if (!valid_header_name(*v)) {
        ctx.error(m.node(key), where + "." + key + ": \"" + *v + "\" is not a header name");
      } else {
        out = *v;
      }
    }
  };
  header_key("hmac_signature_header", c.signature_header);
  header_key("hmac_timestamp_header", c.timestamp_header);
  header_key("idempotency_header", c.idempotency_header);
  c.external_url = m.string("external_url").value_or("");
  m.finish();
  return c;
}

DeliveryResult post_json(const JsonPost& request, const std::string& body) {
  using Outcome = DeliveryResult::Outcome;
  try {
    net::CurlPtr curl = net::make_curl();
    CURL* c = curl.get();
    net::SlistPtr headers;
    append_header(headers, "Content-Type: application/json");
    for (const std::string& line : request.headers) append_header(headers, line);
    headers = net::apply_auth(c, request.auth, std::move(headers));
    net::apply_tls(c, request.tls);
    std::size_t answer_bytes = 0;
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");  // whatever a URL file says
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count_answer);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer_bytes);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      return {Outcome::retry, net::classify_curl_error(rc, error) + ": " +
                                  (error[0] ? std::string(error) : curl_easy_strerror(rc))};
    }
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    // The answer's text is not reflected: a receiver may answer with the request it got, and
    // with it the bearer token, the basic-auth header and the URL's query token, which would then
    // be in the log and on the status page (fault_peer.py httpecho, test_secrets).
    return {classify_http_status(status),
            "HTTP " + std::to_string(status) + (answer_bytes == 0 ? "" : " (answer not shown)")};
  } catch (const std::exception& e) {
    // A local problem (an unreadable secret file): may be fixed before the deadline.
    return {Outcome::retry, e.what()};
  }
}

DeliveryResult WebhookIntegration::deliver(const std::string& body,
                                           const std::string& idempotency_key) {
  try {
    JsonPost post{config_.url, {}, config_.timeout, config_.tls, config_.auth};
    for (const auto& [name, value] : config_.headers) post.headers.push_back(name + ": " + value);
    post.headers.push_back(config_.idempotency_header + ": " + idempotency_key);
    if (!config_.hmac_secret_file.empty()) {
      const std::string secret = net::read_secret_file(config_.hmac_secret_file);
      const std::string ts = std::to_string(
          std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch())
              .count());
      post.headers.push_back(config_.timestamp_header + ": " + ts);
      post.headers.push_back(config_.signature_header + ": " +
                             hmac_sha256_hex(secret, ts + ":" + body));
    }
    if (!config_.url_file.empty()) post.url = net::read_secret_file(config_.url_file);
    return post_json(post, body);
  } catch (const std::exception& e) {
    return {DeliveryResult::Outcome::retry, e.what()};
  }
}

}  // namespace hawatch::alerting
