#include "hooks/powerdns/powerdns_updater.h"

#include <stdlib.h>

#include <algorithm>

#include "hooks/rfc2136/dns_message.h"

namespace hawatch::alerting::failover {
namespace {

constexpr std::size_t kLoggedBytes = 300;

bool valid_server_id(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::string excerpt(const std::string& body) {
  std::string out = body.substr(0, kLoggedBytes);
  for (char& c : out)
    if (c == '\n' || c == '\r') c = ' ';
  return body.size() > kLoggedBytes ? out + "..." : out;
}

std::string join(const std::vector<std::string>& values) {
  if (values.empty()) return "nothing";
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

// PowerDNS's error text helps ("RRset ... not found"), but a server (or what answers in its
// place) may echo the request, X-API-Key included: such an answer is not shown.
UpdateOutcome failure_of(const ApiAnswer& a, const std::string& what, const std::string& api_key) {
  if (!a.answered)
    return {a.timed_out ? UpdateResult::timeout : UpdateResult::error, what + ": " + a.error};
  const UpdateResult r = result_of_status(a.status);
  const bool echoes_key = !api_key.empty() && a.body.find(api_key) != std::string::npos;
  return {r == UpdateResult::ok ? UpdateResult::error : r,
          what + ": HTTP " + std::to_string(a.status) +
              (a.body.empty() ? ""
               : echoes_key   ? " (answer not shown: it holds the API key)"
                              : ": " + excerpt(a.body))};
}

void read_api_url(MapReader& m, const YAML::Node& node, PowerDnsConfig& c) {
  ConfigContext& ctx = m.context();
  const auto url = m.string("api_url");
  if (!url) {
    if (!m.node("api_url").IsDefined())
      ctx.error(node, m.where() + ".api_url is required (http://HOST:PORT)");
    return;
  }
  std::string u = *url;
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (u.rfind("http://", 0) != 0 && u.rfind("https://", 0) != 0) {
    ctx.error(m.node("api_url"), m.where() + ".api_url must be an http:// or https:// URL");
    return;
  }
  if (net::check_http_url(u, m.node("api_url"), ctx, m.where() + ".api_url"))
    c.endpoint.api_url = u;
}

void read_api_key(MapReader& m, const YAML::Node& node, PowerDnsConfig& c) {
  ConfigContext& ctx = m.context();
  const auto file = m.string("api_key_file");
  if (!file) {
    if (!m.node("api_key_file").IsDefined())
      ctx.error(node, m.where() + ".api_key_file is required");
    return;
  }
  try {
    c.endpoint.api_key = net::read_secret_file(*file);
  } catch (const std::exception& e) {
    ctx.error(m.node("api_key_file"), m.where() + ".api_key_file: " + e.what());
    return;
  }
  const bool printable = std::all_of(c.endpoint.api_key.begin(), c.endpoint.api_key.end(),
                                     [](char ch) { return ch > ' ' && ch < 0x7f; });
  if (c.endpoint.api_key.empty() || !printable)
    ctx.error(m.node("api_key_file"),
              m.where() + ".api_key_file: " + *file + " must hold one line of printable text");
}

}  // namespace

std::optional<PowerDnsConfig> read_powerdns_config(const YAML::Node& node, ConfigContext& ctx,
                                                   const std::string& where) {
  MapReader m(node, ctx, where);
  if (!m.valid()) return std::nullopt;
  const std::size_t errors_before = ctx.diagnostics().size();
  PowerDnsConfig c;
  read_api_url(m, node, c);
  read_api_key(m, node, c);
  if (auto id = m.string("server_id")) {
    if (valid_server_id(*id))
      c.endpoint.server_id = *id;
    else
      ctx.error(m.node("server_id"), where + ".server_id must be [A-Za-z0-9_.-]{1,64}");
  }
  if (auto t = m.duration("timeout")) {
    if (t->count() <= 0 || *t > std::chrono::minutes(1))
      ctx.error(m.node("timeout"), where + ".timeout must be positive and at most 1m");
    else
      c.endpoint.timeout = *t;
  }
  c.endpoint.tls = net::read_tls_options(m);
  if (auto server = m.string("verify_server")) {
    std::string error;
    c.verify_server = parse_dns_server(*server, error);
    if (!c.verify_server) ctx.error(m.node("verify_server"), where + ".verify_server: " + error);
  }
  m.finish();
  if (ctx.diagnostics().size() != errors_before) return std::nullopt;
  return c;
}

std::optional<std::vector<std::string>> PowerDnsUpdater::api_values(const RecordRef& record,
                                                                    UpdateOutcome& failure) {
  // rrset_name/rrset_type let PowerDNS 4.8+ send only that rrset; older ones send the zone.
  const std::string query = "?rrset_name=" + record.name + ".&rrset_type=" + record.type;
  const ApiAnswer a = call_zone_api(config_.endpoint, "GET", record.zone, query, "");
  if (!a.answered || a.status != 200) {
    failure = failure_of(a, "GET zone " + record.zone, config_.endpoint.api_key);
    return std::nullopt;
  }
  if (a.truncated) {
    failure = {UpdateResult::error, "GET zone " + record.zone + ": the answer is over " +
                                        std::to_string(kMaxApiAnswerBytes) + " bytes"};
    return std::nullopt;
  }
  std::string error;
  auto values = rrset_values(a.body, record, error);
  if (!values) failure = {UpdateResult::error, "GET zone " + record.zone + ": " + error};
  return values;
}

UpdateOutcome PowerDnsUpdater::compare_and_swap(const RecordRef& record,
                                                const std::string& expected_old,
                                                const std::string& new_value) {
  if (!valid_record_value(record.type, expected_old) || !valid_record_value(record.type, new_value))
    return {UpdateResult::error, "not a valid " + record.type + " value"};
  UpdateOutcome failure;
  const auto values = api_values(record, failure);
  if (!values) return failure;
  if (values->size() != 1 || (*values)[0] != expected_old)
    return {UpdateResult::cas_lost,
            "the rrset holds " + join(*values) + ", not " + expected_old + "; nothing written"};
  const ApiAnswer a = call_zone_api(config_.endpoint, "PATCH", record.zone, "",
                                    replace_rrset_body(record, new_value));
  const std::string what = "PATCH rrset " + record.name + " " + record.type;
  if (!a.answered || result_of_status(a.status) != UpdateResult::ok)
    return failure_of(a, what, config_.endpoint.api_key);
  return {UpdateResult::ok, what + ": HTTP " + std::to_string(a.status)};
}

std::optional<std::vector<std::string>> PowerDnsUpdater::current(const RecordRef& record,
                                                                 std::string& error) {
  if (!config_.verify_server) {
    UpdateOutcome failure;
    auto values = api_values(record, failure);
    if (!values) error = std::string(to_string(failure.result)) + ": " + failure.detail;
    return values;
  }
  auto request = build_record_query(record, static_cast<std::uint16_t>(::arc4random()), error);
  if (!request) return std::nullopt;
  const DnsExchange e = dns_exchange(*config_.verify_server, *request,
                                     std::chrono::steady_clock::now() + config_.endpoint.timeout);
  if (e.status != DnsExchange::Status::answered) {
    error = config_.verify_server->text + ": " + e.detail;
    return std::nullopt;
  }
  auto response = decode_dns_response(e.response, &record, error);
  if (!response) return std::nullopt;
  if (response->rcode == kNxDomain) return std::vector<std::string>{};
  if (response->rcode != kNoError || !response->authoritative) {
    error = config_.verify_server->text + ": " + rcode_name(response->rcode) +
            (response->authoritative ? "" : ", not authoritative");
    return std::nullopt;
  }
  return std::move(response->values);
}

std::unique_ptr<DnsUpdater> read_powerdns_updater(const YAML::Node& node, ConfigContext& ctx,
                                                  const std::string& where) {
  auto config = read_powerdns_config(node, ctx, where);
  if (!config) return nullptr;
  return std::make_unique<PowerDnsUpdater>(std::move(*config));
}

}  // namespace hawatch::alerting::failover
