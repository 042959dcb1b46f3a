#pragma once
// Reading a litestream (v0.3.x) `file` replica directory, as litestream itself writes it:
//
//   <replica>/generations/<16 hex digits>/snapshots/<index %08x>.snapshot.lz4
//   <replica>/generations/<16 hex digits>/wal/<index %08x>_<offset %08x>.wal.lz4
//
// Files are written under a temporary name and renamed, so a file's mtime is when that piece of
// the database reached the replica. Names sort by position, so only the newest snapshot and the
// newest WAL segment of each generation need a stat(): a busy replica holds tens of thousands of
// segments between retention runs, and the scan stays a readdir per directory.

#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hawatch::litestream {

// Where a WAL segment starts: the WAL index (one per WAL restart) and the byte offset in it.
struct WalPosition {
  std::uint32_t index = 0;
  std::uint32_t offset = 0;
  auto operator<=>(const WalPosition&) const = default;
};

// Pure name parsers; nullopt for anything else (temporary files, stray files).
bool is_generation_name(std::string_view name);
std::optional<WalPosition> parse_wal_segment_name(std::string_view name);
std::optional<std::uint32_t> parse_snapshot_name(std::string_view name);

struct ReplicaState {
  std::size_t generations = 0;
  // mtime (seconds since the epoch) of the newest snapshot or WAL segment of any generation;
  // nullopt while litestream has written nothing yet.
  std::optional<double> newest_write_seconds;
  std::string newest_generation;          // the generation holding that newest file
  std::optional<WalPosition> newest_wal;  // that generation's newest WAL segment
};

// Scans a file replica. A missing or unreadable replica directory (or generations directory)
// throws IoError naming the path; a generation without snapshots/ or wal/ yet is simply empty.
ReplicaState scan_file_replica(const std::filesystem::path& replica_dir);

}  // namespace hawatch::litestream
