#include "hooks/powerdns/powerdns_api.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace hawatch::alerting::failover {
namespace {

struct Sink {
  std::string* out;
  bool* truncated;
};

std::size_t keep_capped(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t n = size * count;
  const std::size_t room = kMaxApiAnswerBytes - std::min(kMaxApiAnswerBytes, sink->out->size());
  if (n > room) {
    *sink->truncated = true;
    return 0;  // stop the transfer: an answer this big is not a zone we can use
  }
  sink->out->append(data, n);
  return n;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string absolute(const std::string& name) {
  return !name.empty() && name.back() == '.' ? name : name + ".";
}

void append_header(net::SlistPtr& list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list.get(), line.c_str());
  if (!grown) throw std::runtime_error("out of memory building request headers");
  (void)list.release();
  list.reset(grown);
}

}  // namespace

ApiAnswer call_zone_api(const PowerDnsEndpoint& e, const std::string& method,
                        const std::string& zone, const std::string& query,
                        const std::string& body) {
  ApiAnswer a;
  try {
    net::CurlPtr curl = net::make_curl();
    CURL* c = curl.get();
    const std::string url =
        e.api_url + "/api/v1/servers/" + e.server_id + "/zones/" + absolute(zone) + query;
    net::SlistPtr headers;
    append_header(headers, "X-API-Key: " + e.api_key);
    append_header(headers, "Accept: application/json");
    if (!body.empty()) append_header(headers, "Content-Type: application/json");
    net::apply_tls(c, e.tls);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (!body.empty()) {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(e.timeout.count()));
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    Sink sink{&a.body, &a.truncated};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_capped);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && a.truncated)) {
      const std::string reason = net::classify_curl_error(rc, error);
      a.timed_out = reason == "timeout" || reason == "connect";
      a.error = reason + ": " + (error[0] ? std::string(error) : curl_easy_strerror(rc));
      return a;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
    a.answered = true;
  } catch (const std::exception& ex) {
    a.error = ex.what();
  }
  return a;
}

std::optional<std::vector<std::string>> rrset_values(std::string_view zone_json,
                                                     const RecordRef& record, std::string& error) {
  try {
    Poco::JSON::Parser parser;
    const auto zone = parser.parse(std::string(zone_json)).extract<Poco::JSON::Object::Ptr>();
    const auto rrsets = zone ? zone->getArray("rrsets") : nullptr;
    if (!rrsets) {
      error = "the answer has no rrsets";
      return std::nullopt;
    }
    const std::string name = lower(absolute(record.name));
    std::vector<std::string> values;
    for (std::size_t i = 0; i < rrsets->size(); ++i) {
      const auto rrset = rrsets->getObject(static_cast<unsigned>(i));
      if (!rrset || lower(rrset->optValue<std::string>("name", "")) != name ||
          rrset->optValue<std::string>("type", "") != record.type)
        continue;
      const auto records = rrset->getArray("records");
      for (std::size_t j = 0; records && j < records->size(); ++j) {
        const auto r = records->getObject(static_cast<unsigned>(j));
        if (!r || r->optValue<bool>("disabled", false)) continue;
        std::string content = r->optValue<std::string>("content", "");
        if (content.size() > 1 && content.back() == '.') content.pop_back();
        values.push_back(std::move(content));
      }
    }
    return values;
  } catch (const std::exception& e) {
    error = std::string("the answer is not a zone: ") + e.what();
    return std::nullopt;
  }
}

std::string replace_rrset_body(const RecordRef& record, const std::string& value) {
  Poco::JSON::Object entry;
  entry.set("content", record.type == "CNAME" ? absolute(value) : value);
  entry.set("disabled", false);
  Poco::JSON::Array records;
  records.add(entry);
  Poco::JSON::Object rrset;
  rrset.set("name", absolute(record.name));
  rrset.set("type", record.type);
  rrset.set("ttl", record.ttl);
  rrset.set("changetype", "REPLACE");
  rrset.set("records", records);
  Poco::JSON::Array rrsets;
  rrsets.add(rrset);
  Poco::JSON::Object body;
  body.set("rrsets", rrsets);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

UpdateResult result_of_status(long status) {
  if (status >= 200 && status < 300) return UpdateResult::ok;
  if (status == 401 || status == 403) return UpdateResult::notauth;
  if (status == 400 || status == 422) return UpdateResult::refused;
  if (status >= 500) return UpdateResult::servfail;
  return UpdateResult::error;
}

}  // namespace hawatch::alerting::failover
