#include "basic_auth.h"

#include <Poco/Base64Decoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <crypt.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <sstream>

namespace hawatch {
namespace {

constexpr std::size_t kCacheLimit = 1024;
// A valid bcrypt hash of a random string: unknown users are checked against it so that the
// answer takes as long as for known users (no user enumeration by timing).
constexpr const char* kDummyHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

bool decode_basic(const std::string& header, std::string& user, std::string& password) {
  constexpr std::string_view prefix = "Basic ";
  // The scheme name is case-insensitive (RFC 7235), as in Go's Request.BasicAuth, which the
  // exporter-toolkit uses: "basic ..." from some clients must work here too.
  if (header.size() <= prefix.size() ||
      !std::equal(prefix.begin(), prefix.end(), header.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      }))
    return false;
  std::istringstream in(header.substr(prefix.size()));
  Poco::Base64Decoder decoder(in);
  std::string decoded;
  try {
    char c;
    while (decoder.get(c)) {
      decoded += c;
      if (decoded.size() > 4096) return false;
    }
  } catch (const std::exception&) {
    return false;
  }
  // Invalid base64 ends the stream with badbit set (the istream swallows Poco's exception):
  // without this check the valid prefix of a malformed header would be taken as credentials.
  if (decoder.bad()) return false;
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  user = decoded.substr(0, colon);
  password = decoded.substr(colon + 1);
  return true;
}

std::string cache_key(const std::string& user, const std::string& password, const std::string& hash) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(user);
  sha.update(std::string(1, '\0'));
  sha.update(password);
  sha.update(std::string(1, '\0'));
  sha.update(hash);
  const auto& digest = sha.digest();
  return std::string(digest.begin(), digest.end());
}

// Compares without an early exit, so the time taken does not tell how many leading characters
// matched. Hand-written: the library one (OpenSSL's CRYPTO_memcmp) would map libcrypto, ~400 KiB
// resident, into every daemon for this loop; TLS, its real user, is a module (tls_socket.h).
bool equal_in_constant_time(const char* a, const char* b, std::size_t n) {
  volatile unsigned char diff = 0;  // volatile: no early exit once a difference is seen
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i]);
    diff = static_cast<unsigned char>(diff | x);
  }
  return diff == 0;
}

}  // namespace

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

bool BasicAuth::verify_hash(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (!out || out[0] == '*') return false;
  const std::size_t n = std::strlen(out);
  return n == hash.size() && equal_in_constant_time(out, hash.data(), n);
}

bool BasicAuth::check(const std::string& authorization) {
  if (!enabled()) return true;
  std::string user, password;
  if (!decode_basic(authorization, user, password)) return false;
  auto it = users_.find(user);
  const bool known = it != users_.end();
  const std::string hash = known ? it->second : kDummyHash;
  const std::string key = cache_key(user, password, hash);
  {
    std::lock_guard lock(mutex_);
    if (auto c = cache_.find(key); c != cache_.end()) return c->second && known;
  }
  const bool ok = verify_hash(password, hash) && known;
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kCacheLimit) cache_.clear();
  cache_[key] = ok;
  return ok;
}

}  // namespace hawatch
