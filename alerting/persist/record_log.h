#pragma once
// An append-only file of records, for state that changes one entry at a time (the notification
// log): each change costs one small write and one fdatasync instead of a rewrite of everything.
//
// Layout: a header line chosen by the owner, then one line per record:
//   <payload length, decimal> ' ' <CRC-32 of the payload, 8 hex digits> ' ' <payload> '\n'
// A crash mid-append leaves a torn last record: reading detects it (short, bad checksum, bytes
// that do not frame) and drops it. A bad record with more records after it is not what a crash
// leaves: that file is refused, with its name and the byte offset. The owner rewrites the file
// (compaction, write_file_atomically) when the garbage outgrows the live records.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/unique_fd.h"

namespace hawatch::alerting {

// No record is larger: a length field above it is a corrupt file, not a reason to allocate.
inline constexpr std::size_t kMaxRecordBytes = 4 << 20;

// The framed form of one record (payload must not exceed kMaxRecordBytes).
std::string frame_record(std::string_view payload);

struct RecordScan {
  std::uint64_t valid_bytes = 0;  // header and every whole record: where the next append goes
  std::size_t records = 0;
  std::string torn_tail;  // why the dropped tail was dropped; empty when there was none
};

// Reads `path` record by record (at most one record in memory) and hands each payload to `each`,
// which may throw to refuse it. The first line must be `header`. Throws std::runtime_error naming
// the file (and the offset) for a wrong header, a corrupt record before the end, a length field
// above kMaxRecordBytes or a file above `max_file_bytes`; IoError when it cannot be read.
RecordScan scan_records(const std::filesystem::path& path, std::string_view header,
                        const std::function<void(std::string_view payload)>& each,
                        std::uint64_t max_file_bytes);

// The open file that records are appended to.
class RecordAppender {
 public:
  // Opens `path` for appending at `valid_bytes`: anything after it (a torn tail) is cut off.
  RecordAppender(std::filesystem::path path, std::uint64_t valid_bytes);

  // Appends the framed records in one write and fdatasyncs. On failure (ENOSPC, EIO) the file is
  // cut back to where it was, so a half-written record never sits before later ones, and IoError
  // is thrown; when even that fails, broken() turns true and the owner must rewrite the file.
  void append(std::string_view framed);
  std::uint64_t size() const { return size_; }
  bool broken() const { return broken_; }

 private:
  std::filesystem::path path_;
  std::optional<UniqueFd> fd_;
  std::uint64_t size_ = 0;
  bool broken_ = false;
};

}  // namespace hawatch::alerting
