// libFuzzer target for the RFC 2136 hook's response decoding: any bytes from the network are
// decoded by ldns or refused, the TSIG record is found or the message is called malformed or
// unsigned, and verification never passes a message it did not sign (the key is secret to the
// fuzzer, so a "valid" verdict would be a forgery). Never a crash, a hang or a read out of
// bounds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "hooks/rfc2136/dns_message.h"
#include "hooks/tsig/tsig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hawatch::alerting::failover;
  const std::span<const std::uint8_t> wire(data, size);
  static const RecordRef record{"test.example", "vip.test.example", "A", 30};
  static const RecordRef cname{"test.example", "app.test.example", "CNAME", 30};
  std::string error;
  if (const auto r = decode_dns_response(wire, &record, error)) {
    for (const auto& v : r->values)
      if (v.empty()) __builtin_trap();
    (void)result_of_rcode(r->rcode);
    (void)rcode_name(r->rcode);
  }
  (void)decode_dns_response(wire, &cname, error);
  const auto tsig = find_tsig_record(wire, error);
  if (tsig && (tsig->offset < 12 || tsig->offset >= size)) __builtin_trap();
  if (tsig && !error.empty()) __builtin_trap();
  static const TsigKey key{"ddns-key.", TsigAlgorithm::hmac_sha256,
                           std::vector<std::uint8_t>(32, 0x5a)};
  static const std::vector<std::uint8_t> request_mac(32, 0xa5);
  const TsigCheck check = tsig_verify_response(wire, key, request_mac, 1'800'000'000);
  if (check.verdict == TsigVerdict::valid) __builtin_trap();
  return 0;
}
