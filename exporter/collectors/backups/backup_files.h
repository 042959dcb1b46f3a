#pragma once
// Finding backup files: glob(3) expansion and the pure "which is newest" choice.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hawatch::backup {

struct BackupFile {
  std::string path;
  double mtime_seconds = 0;  // since the epoch
  std::uint64_t size_bytes = 0;
};

struct BackupSet {
  std::size_t count = 0;
  std::uint64_t total_bytes = 0;
  std::optional<BackupFile> newest;  // by mtime; ties go to the later name (timestamped names)
};

// Pure: summarises the files found.
BackupSet summarise(const std::vector<BackupFile>& files);

// Expands `pattern` with glob(3) and stats each match; directories and other non-regular files
// are skipped. No match is an empty list; an unreadable directory throws std::runtime_error.
std::vector<BackupFile> find_backups(const std::string& pattern);

}  // namespace hawatch::backup
