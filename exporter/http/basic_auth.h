#pragma once
// HTTP basic auth against bcrypt hashes (libcrypt), with the exporter-toolkit's result cache:
// bcrypt at cost 10 takes ~70 ms, and Prometheus sends the same credentials on every scrape.

#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hawatch {

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);

  bool enabled() const { return !users_.empty(); }
  // `authorization` is the raw Authorization header value ("Basic base64(user:pass)").
  bool check(const std::string& authorization);
  // Verifies a password against a crypt(3) hash; constant-time comparison.
  static bool verify_hash(const std::string& password, const std::string& hash);

 private:
  std::map<std::string, std::string> users_;
  std::mutex mutex_;
  // Keyed by a SHA-256 of user, password and hash, never the password itself. Bounded.
  std::unordered_map<std::string, bool> cache_;
};

}  // namespace hawatch
