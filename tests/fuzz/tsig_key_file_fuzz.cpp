// libFuzzer target for the reader of BIND key files (tsig-keygen output): any text parses or is
// refused with a "SOURCE:LINE: " message, within the bounds (keys per file, secret size), in one
// linear pass. Never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "hooks/tsig/tsig_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace hawatch::alerting::failover;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  const auto keys = parse_tsig_key_file(text, "fuzz.key", error);
  if (!keys) {
    if (error.rfind("fuzz.key:", 0) != 0) __builtin_trap();
    return 0;
  }
  if (keys->empty() || keys->size() > kMaxKeysPerFile) __builtin_trap();
  for (const TsigKey& k : *keys) {
    if (k.name.empty() || k.name.back() != '.' || k.secret.empty() ||
        k.secret.size() > kMaxSecretBytes)
      __builtin_trap();
    if (tsig_algorithm_from_name(tsig_algorithm_name(k.algorithm)) != k.algorithm) __builtin_trap();
  }
  return 0;
}
