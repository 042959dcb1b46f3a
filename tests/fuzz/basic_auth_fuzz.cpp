// libFuzzer target for the Authorization header (BasicAuth::check): any bytes end in true or false,
// never a crash; only the right credentials pass, and a hostile header never poisons the cache
// for the real user.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/basic_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // bcrypt at cost 4 (the minimum) so that the fuzzer spends its time on the parsing.
  static hawatch::BasicAuth auth(
      {{"user", "$2b$04$2GHWDm9A3jIuBANJgqlqzeAwEZOAbPGlGaTD.Fs39ARxbO.jW3LKS"}});  // "secret"
  const std::string header(reinterpret_cast<const char*>(data), size);
  const bool accepted = auth.check(header, "fuzz");
  // "Basic dXNlcjpzZWNyZXQ=" is user:secret. The base64 decoder skips CR and LF inside, as Go's
  // (the exporter-toolkit's) does.
  std::string compact;
  for (char c : header)
    if (c != '\r' && c != '\n') compact += c;
  // Like Go's default decoder, the unused low bits of the last character are ignored, so
  // "...ZXS=" is "...ZXQ=" too: compare all but that character.
  if (accepted && (compact.size() != 22 || compact.compare(6, 14, "dXNlcjpzZWNyZX") != 0))
    __builtin_trap();
  if (!auth.check("Basic dXNlcjpzZWNyZXQ=", "fuzz")) __builtin_trap();
  return 0;
}
