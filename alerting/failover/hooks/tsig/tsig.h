#pragma once
// TSIG (RFC 8945) signing of requests and verification of responses on the DNS wire.
//
// Why not ldns' own ldns_pkt_tsig_sign/verify: ldns 1.8.3 (Debian 12) knows only hmac-md5,
// hmac-sha1, hmac-sha256 and hmac-sha512, and spells hmac-sha384 "hmac-shac384.", so two of the
// six algorithms tsig-keygen offers could not be used. This is the MAC computation of RFC 8945
// section 4.3 over OpenSSL's HMAC; ldns still builds and parses the messages.
//
// The TSIG record is found by one bounded, linear walk of the message (find_tsig_record):
// names are skipped without following pointers, and the TSIG owner and algorithm names are read
// with at most kMaxNamePointers pointer hops. Full-length MACs only (no RFC 8945 truncation).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hooks/tsig/tsig_key.h"

namespace hawatch::alerting::failover {

inline constexpr std::uint16_t kTsigFudgeSeconds = 300;
inline constexpr int kMaxNamePointers = 32;

// Appends the TSIG record to a complete DNS message (header counts included, no TSIG yet) and
// increments ARCOUNT. Returns the request MAC, which the response's MAC covers.
std::vector<std::uint8_t> tsig_sign(std::vector<std::uint8_t>& message, const TsigKey& key,
                                    std::uint64_t time_signed,
                                    std::uint16_t fudge = kTsigFudgeSeconds);

struct TsigRecord {
  std::size_t offset = 0;  // where the record starts in the message
  std::string key_name;    // lower case, absolute ("ddns-key.")
  std::string algorithm;   // lower case, absolute ("hmac-sha256.")
  std::uint64_t time_signed = 0;
  std::uint16_t fudge = 0;
  std::vector<std::uint8_t> mac;
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;  // TSIG error: 16 BADSIG, 17 BADKEY, 18 BADTIME, 22 BADTRUNC
  std::vector<std::uint8_t> other;
};

// The last record of the additional section when it is a TSIG record; nullopt when there is
// none. Sets `error` (and returns nullopt) when the message is malformed.
std::optional<TsigRecord> find_tsig_record(std::span<const std::uint8_t> message,
                                           std::string& error);

enum class TsigVerdict {
  valid,         // signed by `key`, MAC and time check out
  unsigned_msg,  // no TSIG record
  tsig_error,    // the server reports a TSIG error (BADSIG, BADKEY, BADTIME); MAC not checked
  invalid,       // wrong key name or algorithm, bad MAC, time outside the fudge, malformed
};

struct TsigCheck {
  TsigVerdict verdict = TsigVerdict::invalid;
  std::string detail;
  std::uint16_t error = 0;  // the TSIG error field when verdict is tsig_error
};

// Verifies a response to a request signed with `key` whose MAC was `request_mac`.
TsigCheck tsig_verify_response(std::span<const std::uint8_t> response, const TsigKey& key,
                               std::span<const std::uint8_t> request_mac, std::uint64_t now);

// "BADSIG", "BADKEY", "BADTIME", "BADTRUNC" or "TSIG error N".
std::string tsig_error_name(std::uint16_t error);

}  // namespace hawatch::alerting::failover
