#pragma once
// What was sent to which receiver for which group (Alertmanager nflog): the firing and resolved
// alerts of the last notification and when. Persisted atomically on every change, so a restart
// does not resend everything; entries older than the retention are dropped.

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/alert.h"

namespace hawatch::alerting {

struct NotificationEntry {
  std::vector<Fingerprint> firing;
  std::vector<Fingerprint> resolved;
  Time timestamp{};
};

class NotificationLog {
 public:
  struct Options {
    std::filesystem::path file;  // empty: memory only
    Duration retention = std::chrono::hours(120);
  };
  // Reads the file when it exists; a corrupt file is an error naming it (std::runtime_error).
  explicit NotificationLog(Options options);

  std::optional<NotificationEntry> query(const std::string& group_key,
                                         const std::string& receiver_key) const;
  // Throws hawatch::IoError when the log cannot be written (the entry is not taken).
  void log(const std::string& group_key, const std::string& receiver_key,
           std::vector<Fingerprint> firing, std::vector<Fingerprint> resolved, Time now);
  std::size_t gc(Time now);
  std::size_t size() const;

 private:
  // Group keys hold label values of any bytes: the log keys by their SHA-256 instead.
  static std::string entry_key(const std::string& group_key, const std::string& receiver_key);
  void save(const std::map<std::string, NotificationEntry>& entries) const;

  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, NotificationEntry> entries_;
};

}  // namespace hawatch::alerting
