#pragma once
// TSIG keys (RFC 8945) from files in BIND's key syntax, as tsig-keygen writes them:
//
//   key "ddns-key" {
//           algorithm hmac-sha256;
//           secret "mB3w...=";
//   };
//
// with every algorithm tsig-keygen offers (hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256,
// hmac-sha384, hmac-sha512). Comments (#, //, /* */) are allowed, as in named.conf. A file may
// hold several keys; the hook then names the one it uses. The parser is one linear pass over a
// file of at most kMaxKeyFileBytes; every error names FILE:LINE.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::alerting::failover {

enum class TsigAlgorithm {
  hmac_md5,
  hmac_sha1,
  hmac_sha224,
  hmac_sha256,
  hmac_sha384,
  hmac_sha512
};

inline constexpr std::size_t kMaxKeyFileBytes = 64 * 1024;
inline constexpr std::size_t kMaxKeysPerFile = 64;
inline constexpr std::size_t kMaxSecretBytes = 512;

struct TsigKey {
  std::string name;  // lower case, absolute with the trailing dot ("ddns-key.")
  TsigAlgorithm algorithm = TsigAlgorithm::hmac_sha256;
  std::vector<std::uint8_t> secret;
};

// "hmac-sha256" (BIND's spelling in key files); nullopt for any other name.
std::optional<TsigAlgorithm> tsig_algorithm_from_name(std::string_view name);
std::string_view tsig_algorithm_name(TsigAlgorithm a);
// The algorithm's domain name in TSIG records: "hmac-sha256.", "hmac-md5.sig-alg.reg.int.".
std::string_view tsig_algorithm_wire_name(TsigAlgorithm a);

// Parses key-file text; `source` names it in errors ("/etc/hawatch/ddns.key"). Nullopt with
// `error` set ("SOURCE:LINE: ...") when the text is not a valid key file.
std::optional<std::vector<TsigKey>> parse_tsig_key_file(std::string_view text,
                                                        const std::string& source,
                                                        std::string& error);

// Reads the file and picks the key named `key_name` (empty: the file must hold exactly one).
std::optional<TsigKey> read_tsig_key(const std::string& path, const std::string& key_name,
                                     std::string& error);

}  // namespace hawatch::alerting::failover
