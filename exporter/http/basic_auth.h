#pragma once
// HTTP basic auth against bcrypt hashes (libcrypt), with the exporter-toolkit's result cache:
// bcrypt at cost 10 takes ~70 ms, and Prometheus sends the same credentials on every scrape.

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>

namespace hawatch {

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users);

  bool enabled() const { return !users_.empty(); }
  // `authorization` is the raw Authorization header value ("Basic base64(user:pass)"). A refused
  // non-empty header is logged (warn, rate-limited) with the user name and `remote`.
  bool check(const std::string& authorization, const std::string& remote = "");
  // Verifies a password against a crypt(3) hash; constant-time comparison.
  static bool verify_hash(const std::string& password, const std::string& hash);
  // The hash an unknown user's password is checked against: bcrypt at the highest cost among the
  // configured users, so that an unknown user costs as much as the most expensive known one.
  const std::string& dummy_hash() const { return dummy_hash_; }
  // Whether a failed login at `now` gets a log line: at most kLogBurst per kLogWindow, then
  // one line telling how many were not logged.
  static constexpr int kLogBurst = 5;
  static constexpr std::chrono::seconds kLogWindow{60};
  void log_failure(const std::string& user, const std::string& remote,
                   std::chrono::steady_clock::time_point now);

 private:
  bool verify(const std::string& user, const std::string& password);

  std::map<std::string, std::string> users_;
  std::string dummy_hash_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point log_window_start_{};
  int logged_in_window_ = 0;
  int suppressed_ = 0;
  // Keyed by a SHA-256 of user, password and hash, never the password itself. Bounded.
  std::unordered_map<std::string, bool> cache_;
};

}  // namespace hawatch
