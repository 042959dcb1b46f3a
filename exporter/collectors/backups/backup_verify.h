#pragma once
// Checking that a SQLite backup is usable: it opens read-only and passes PRAGMA quick_check.
// Gzipped backups (AMSLPR's amslpr_YYYYmmdd_HHMMSS.db.gz) are decompressed to a temporary file
// first. A zero-byte, truncated or non-SQLite file fails with the reason.

#include <chrono>
#include <string>

namespace hawatch::backup {

struct VerifyResult {
  bool ok = false;
  std::string detail;  // "ok" or why not
};

// Gives up (not ok, "timed out") at `deadline`. `temp_dir` receives the decompressed copy,
// removed before returning.
VerifyResult verify_sqlite_backup(const std::string& path, const std::string& temp_dir,
                                  std::chrono::steady_clock::time_point deadline);

}  // namespace hawatch::backup
