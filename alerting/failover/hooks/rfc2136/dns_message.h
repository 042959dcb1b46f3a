#pragma once
// The messages of the RFC 2136 hook, built and parsed with ldns: the compare-and-swap update
// (prerequisite "RRset exists (value dependent)" holding the expected old value; update: delete
// that RR, add the new one), the query for the record's current values, and the decoding of a
// response into its rcode and the record's values. Values become rdata through ldns' parser for
// their type (A, AAAA, a domain name), never through a zone-file line, so no value can smuggle in
// another field or record.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hooks/dns_update.h"

namespace hawatch::alerting::failover {

// DNS rcodes the hook distinguishes (RFC 1035, RFC 2136).
enum DnsRcode : int {
  kNoError = 0,
  kFormErr = 1,
  kServFail = 2,
  kNxDomain = 3,
  kNotImp = 4,
  kRefused = 5,
  kYxDomain = 6,
  kYxRrset = 7,
  kNxRrset = 8,
  kNotAuth = 9,
  kNotZone = 10,
};
inline constexpr int kOpcodeQuery = 0;
inline constexpr int kOpcodeUpdate = 5;

// Whether `value` is a valid datum of a record of `type` (A, AAAA, CNAME) for ldns: one address
// or one domain name, nothing around it.
bool valid_record_value(const std::string& type, const std::string& value);

std::optional<std::vector<std::uint8_t>> build_cas_update(const RecordRef& record,
                                                          const std::string& expected_old,
                                                          const std::string& new_value,
                                                          std::uint16_t id, std::string& error);

std::optional<std::vector<std::uint8_t>> build_record_query(const RecordRef& record,
                                                            std::uint16_t id, std::string& error);

struct DnsResponse {
  int rcode = 0;
  int opcode = 0;
  bool authoritative = false;
  std::vector<std::string> values;  // the answer's data for the record's name and type
};

// Decodes a response; `record` picks the answer values (null: none). Nullopt with `error` set
// when ldns cannot parse the message.
std::optional<DnsResponse> decode_dns_response(std::span<const std::uint8_t> wire,
                                               const RecordRef* record, std::string& error);

// "NOERROR", "NXRRSET", ... or "RCODE17".
std::string rcode_name(int rcode);

// The update's rcode as a result: NOERROR ok, NXRRSET/YXRRSET cas_lost, REFUSED refused,
// NOTAUTH notauth, SERVFAIL servfail, anything else error.
UpdateResult result_of_rcode(int rcode);

}  // namespace hawatch::alerting::failover
