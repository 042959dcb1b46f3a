#pragma once
// PowerDNS' HTTP API (https://doc.powerdns.com/authoritative/http-api/): reading a zone's rrset
// and replacing it, through libcurl with the shared client's settings (no proxy, no signals, TLS
// verification unless the config switches it off), every request bounded by a timeout and its
// answer by a size cap.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/shared/http_client.h"
#include "hooks/dns_update.h"

namespace hawatch::alerting::failover {

inline constexpr std::size_t kMaxApiAnswerBytes = 16 * 1024 * 1024;

struct PowerDnsEndpoint {
  std::string api_url;  // "http://127.0.0.1:8081", without the trailing /
  std::string server_id = "localhost";
  std::string api_key;
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
  net::TlsOptions tls;
};

struct ApiAnswer {
  bool answered = false;  // an HTTP status came back
  long status = 0;
  std::string body;  // capped at kMaxApiAnswerBytes
  bool truncated = false;
  bool timed_out = false;  // no answer: connect or transfer deadline
  std::string error;       // libcurl's reason when not answered
};

// METHOD on /api/v1/servers/{server_id}/zones/{zone}. (with `query` appended), with `body` as JSON.
ApiAnswer call_zone_api(const PowerDnsEndpoint& endpoint, const std::string& method,
                        const std::string& zone, const std::string& query, const std::string& body);

// The enabled records' contents of rrset (name, type) in a zone's JSON; trailing dots of names
// dropped. Nullopt with `error` set when the JSON is not a zone.
std::optional<std::vector<std::string>> rrset_values(std::string_view zone_json,
                                                     const RecordRef& record, std::string& error);

// The PATCH body that replaces the rrset with `value` (a name gets its trailing dot).
std::string replace_rrset_body(const RecordRef& record, const std::string& value);

// HTTP status of a write as a result: 2xx ok, 401/403 notauth, 422/400 refused (PowerDNS' word
// for data it will not take), 5xx servfail, anything else error.
UpdateResult result_of_status(long status);

}  // namespace hawatch::alerting::failover
