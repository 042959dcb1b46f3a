#include "hooks/rfc2136/rfc2136_updater.h"

#include <stdlib.h>

#include <ctime>

#include "hooks/rfc2136/dns_message.h"
#include "hooks/tsig/tsig.h"

namespace hawatch::alerting::failover {
namespace {

std::uint16_t random_id() {
  return static_cast<std::uint16_t>(::arc4random());
}

std::uint64_t wall_seconds() {
  return static_cast<std::uint64_t>(std::time(nullptr));
}

bool trusted_without_signature(int rcode) {
  // A forged "it worked" or "someone else won" would mislead the controller; a forged failure
  // only delays it (an attacker on the path can drop packets anyway).
  return rcode != kNoError && rcode != kNxRrset && rcode != kYxRrset;
}

}  // namespace

struct Rfc2136Updater::Answer {
  std::optional<UpdateResult> failure;  // set when there is no usable answer
  std::string detail;
  DnsResponse response;
};

std::optional<Rfc2136Config> read_rfc2136_config(const YAML::Node& node, ConfigContext& ctx,
                                                 const std::string& where) {
  MapReader m(node, ctx, where);
  if (!m.valid()) return std::nullopt;
  const std::size_t errors_before = ctx.diagnostics().size();
  Rfc2136Config c;
  if (auto server = m.string("server")) {
    std::string error;
    if (auto s = parse_dns_server(*server, error))
      c.server = *s;
    else
      ctx.error(m.node("server"), where + ".server: " + error);
  } else if (!m.node("server").IsDefined()) {
    ctx.error(node, where + ".server is required (\"IP:PORT\")");
  }
  const auto key_name = m.string("tsig_key_name");
  if (auto file = m.string("tsig_key_file")) {
    std::string error;
    c.key = read_tsig_key(*file, key_name.value_or(""), error);
    if (!c.key) ctx.error(m.node("tsig_key_file"), where + ".tsig_key_file: " + error);
  } else if (key_name) {
    ctx.error(m.node("tsig_key_name"), where + ".tsig_key_name needs tsig_key_file");
  }
  if (auto t = m.duration("timeout")) {
    if (t->count() <= 0 || *t > std::chrono::minutes(1))
      ctx.error(m.node("timeout"), where + ".timeout must be positive and at most 1m");
    else
      c.timeout = *t;
  }
  m.finish();
  if (ctx.diagnostics().size() != errors_before) return std::nullopt;
  return c;
}

Rfc2136Updater::Answer Rfc2136Updater::exchange(std::vector<std::uint8_t> request,
                                                const RecordRef* record) {
  std::vector<std::uint8_t> request_mac;
  if (config_.key) request_mac = tsig_sign(request, *config_.key, wall_seconds());
  const auto deadline = std::chrono::steady_clock::now() + config_.timeout;
  const DnsExchange e = dns_exchange(config_.server, request, deadline);
  const std::string from = config_.server.text + (e.over_tcp ? " (tcp)" : " (udp)");
  if (e.status == DnsExchange::Status::no_answer)
    return {UpdateResult::timeout, from + ": " + e.detail, {}};
  if (e.status == DnsExchange::Status::network)
    return {UpdateResult::error, from + ": " + e.detail, {}};
  std::string error;
  auto response = decode_dns_response(e.response, record, error);
  if (!response) return {UpdateResult::error, from + ": " + error, {}};
  std::string detail = rcode_name(response->rcode) + " from " + from;
  if (!config_.key) return {std::nullopt, detail + ", unsigned", std::move(*response)};
  const TsigCheck check =
      tsig_verify_response(e.response, *config_.key, request_mac, wall_seconds());
  switch (check.verdict) {
    case TsigVerdict::valid:
      return {std::nullopt, detail + ", signed by " + config_.key->name, std::move(*response)};
    case TsigVerdict::tsig_error:
      return {UpdateResult::notauth, detail + ", " + check.detail, std::move(*response)};
    case TsigVerdict::unsigned_msg:
      if (trusted_without_signature(response->rcode))
        return {std::nullopt, detail + ", unsigned", std::move(*response)};
      return {UpdateResult::error, detail + " but " + check.detail + "; not trusted", {}};
    case TsigVerdict::invalid:
      break;
  }
  return {UpdateResult::error, detail + " but " + check.detail + "; not trusted", {}};
}

UpdateOutcome Rfc2136Updater::compare_and_swap(const RecordRef& record,
                                               const std::string& expected_old,
                                               const std::string& new_value) {
  std::string error;
  auto request = build_cas_update(record, expected_old, new_value, random_id(), error);
  if (!request) return {UpdateResult::error, error};
  Answer a = exchange(std::move(*request), nullptr);
  if (a.failure) return {*a.failure, a.detail};
  if (a.response.opcode != kOpcodeUpdate)
    return {UpdateResult::error, a.detail + "; not an UPDATE response"};
  return {result_of_rcode(a.response.rcode), a.detail};
}

std::optional<std::vector<std::string>> Rfc2136Updater::current(const RecordRef& record,
                                                                std::string& error) {
  auto request = build_record_query(record, random_id(), error);
  if (!request) return std::nullopt;
  Answer a = exchange(std::move(*request), &record);
  if (a.failure) {
    error = std::string(to_string(*a.failure)) + ": " + a.detail;
    return std::nullopt;
  }
  if (a.response.opcode != kOpcodeQuery) {
    error = a.detail + "; not a QUERY response";
    return std::nullopt;
  }
  if (a.response.rcode == kNxDomain) return std::vector<std::string>{};
  if (a.response.rcode != kNoError) {
    error = a.detail;
    return std::nullopt;
  }
  if (!a.response.authoritative) {
    error = a.detail + "; the answer is not authoritative";
    return std::nullopt;
  }
  return std::move(a.response.values);
}

std::unique_ptr<DnsUpdater> read_rfc2136_updater(const YAML::Node& node, ConfigContext& ctx,
                                                 const std::string& where) {
  auto config = read_rfc2136_config(node, ctx, where);
  if (!config) return nullptr;
  return std::make_unique<Rfc2136Updater>(std::move(*config));
}

}  // namespace hawatch::alerting::failover
