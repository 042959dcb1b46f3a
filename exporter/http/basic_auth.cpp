#include "basic_auth.h"

#include <Poco/Base64Decoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>
#include <crypt.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "core/log.h"

namespace hawatch {
namespace {

constexpr std::size_t kCacheLimit = 1024;
constexpr int kDefaultBcryptCost = 10;
// A valid bcrypt hash (cost 10) of a random string: the dummy for configs whose highest cost is
// 10 (htpasswd's default), and the fallback should making one fail.
constexpr const char* kDummyHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

// The cost of a bcrypt hash ("$2y$12$..." -> 12), or nullopt for anything else.
std::optional<int> bcrypt_cost(const std::string& hash) {
  if (hash.size() < 7 || hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$')
    return std::nullopt;
  if (!std::isdigit(static_cast<unsigned char>(hash[4])) ||
      !std::isdigit(static_cast<unsigned char>(hash[5])))
    return std::nullopt;
  return (hash[4] - '0') * 10 + (hash[5] - '0');
}

// A bcrypt hash of a random password at `cost`, made with a fresh salt from libxcrypt's own
// randomness: unknown users are checked against it (no user enumeration by timing).
std::string make_dummy_hash(int cost) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, salt, sizeof salt))
    return {};
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn("hawatch-unknown-user", salt, data.get(), sizeof(crypt_data));
  if (!out || out[0] == '*') return {};
  return out;
}

// A user name as a log line may show it: printable ASCII, at most 64 characters.
std::string sanitised_user(const std::string& user) {
  std::string out;
  for (char c : user.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (user.size() > 64) out += "...";
  return out;
}

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
  // Go's base64 decoder (the exporter-toolkit's) takes only the alphabet with '=' padding to a
  // multiple of 4 and skips CR/LF; Poco's would also skip blanks and take bytes after the
  // padding, accepting credentials upstream refuses.
  std::string encoded;
  for (const char c : std::string_view(header).substr(prefix.size()))
    if (c != '\r' && c != '\n') encoded += c;
  const auto pad = encoded.find('=');
  if (encoded.size() % 4 != 0 ||
      encoded.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
          std::string::npos ||
      (pad != std::string::npos &&
       (encoded.size() - pad > 2 || encoded.find_first_not_of('=', pad) != std::string::npos)))
    return false;
  std::istringstream in(encoded);
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

std::string cache_key(const std::string& user, const std::string& password,
                      const std::string& hash) {
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

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {
  if (users_.empty()) return;
  int cost = 0;
  for (const auto& [user, hash] : users_)
    cost = std::max(cost, bcrypt_cost(hash).value_or(kDefaultBcryptCost));
  if (cost != kDefaultBcryptCost) dummy_hash_ = make_dummy_hash(cost);
  if (dummy_hash_.empty()) dummy_hash_ = kDummyHash;
}

void BasicAuth::log_failure(const std::string& user, const std::string& remote,
                            std::chrono::steady_clock::time_point now) {
  int suppressed = 0;
  {
    std::lock_guard lock(mutex_);
    if (now - log_window_start_ >= kLogWindow) {
      log_window_start_ = now;
      logged_in_window_ = 0;
      suppressed = std::exchange(suppressed_, 0);
    }
    if (logged_in_window_ >= kLogBurst) {
      ++suppressed_;
      return;
    }
    ++logged_in_window_;
  }
  if (suppressed)
    log::warn("basic auth failures not logged", {{"count", std::to_string(suppressed)}});
  log::warn("basic auth failed", {{"user", sanitised_user(user)}, {"remote", remote}});
}

bool BasicAuth::verify_hash(const std::string& password, const std::string& hash) {
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  // crypt reads a C string, so "secret\0anything" would pass as "secret" (basic_auth_fuzz found
  // it). Go's bcrypt, the exporter-toolkit's, compares every byte: such a password never matches.
  // The hash is still computed, so the refusal takes as long as any other.
  const bool holds_nul = password.find('\0') != std::string::npos;
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  if (!out || out[0] == '*') return false;
  const std::size_t n = std::strlen(out);
  return !holds_nul && n == hash.size() && equal_in_constant_time(out, hash.data(), n);
}

bool BasicAuth::check(const std::string& authorization, const std::string& remote) {
  if (!enabled()) return true;
  std::string user, password;
  bool ok = false;
  if (decode_basic(authorization, user, password)) {
    ok = verify(user, password);
  } else {
    user = "";  // a malformed header names nobody
  }
  // No header at all is how every browser starts; only refused credentials are worth a line.
  // A name that is no configured user is not logged: it is often a password typed one field
  // too early.
  if (!ok && !authorization.empty())
    log_failure(users_.count(user) ? user : "(unknown)", remote, std::chrono::steady_clock::now());
  return ok;
}

bool BasicAuth::verify(const std::string& user, const std::string& password) {
  auto it = users_.find(user);
  const bool known = it != users_.end();
  const std::string& hash = known ? it->second : dummy_hash_;
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
