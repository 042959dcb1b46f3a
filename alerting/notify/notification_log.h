#pragma once
// What was sent to which receiver for which group (Alertmanager nflog): the firing and resolved
// alerts of the last notification and when, kept across restarts so they do not resend
// everything; entries older than the retention are dropped.
//
// The file (persist/record_log.h) is a header line "hawatch-nflog 2" and one checksummed record
// per change, appended and fdatasync'd: an entry's JSON ({"key", "timestamp", "firing",
// "resolved"}) or its removal ({"key", "deleted": true}). It is rewritten with only the live
// entries (atomically) at start and whenever it grows past twice their size. The version-1 file
// (one JSON document, rewritten on every change) is still read, and rewritten as version 2.

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/alert.h"
#include "persist/record_log.h"

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
  // Reads the file when it exists (a torn last record is dropped) and compacts it; a corrupt file
  // is an error naming it (std::runtime_error).
  explicit NotificationLog(Options options);

  std::optional<NotificationEntry> query(const std::string& group_key,
                                         const std::string& receiver_key) const;
  // Throws hawatch::IoError when the log cannot be written (the entry is not taken).
  void log(const std::string& group_key, const std::string& receiver_key,
           std::vector<Fingerprint> firing, std::vector<Fingerprint> resolved, Time now);
  std::size_t gc(Time now);
  std::size_t size() const;
  // The file's size and the part of it the live entries take (0 for a memory-only log).
  std::uint64_t file_bytes() const;
  std::uint64_t live_bytes() const;

 private:
  struct Stored {
    NotificationEntry entry;
    std::size_t record_bytes = 0;  // its framed record in the file
  };
  // Group keys hold label values of any bytes: the log keys by their SHA-256 instead.
  static std::string entry_key(const std::string& group_key, const std::string& receiver_key);
  void load();
  void load_version1(const std::string& text);
  void apply_record(std::string_view payload);
  // Appends `framed` (records for `changes`), or rewrites the file when that is due; the entries
  // change only when the file did.
  void persist(const std::string& framed, std::map<std::string, std::optional<Stored>> changes);
  void compact(const std::map<std::string, Stored>& entries);

  Options options_;
  mutable std::mutex mutex_;
  std::map<std::string, Stored> entries_;
  std::uint64_t live_bytes_ = 0;
  std::optional<RecordAppender> file_;
};

}  // namespace hawatch::alerting
