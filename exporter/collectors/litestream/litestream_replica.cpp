#include "litestream_replica.h"

#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include "core/file_io.h"

namespace hawatch::litestream {
namespace fs = std::filesystem;

namespace {

std::optional<std::uint32_t> parse_hex8(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    int digit = 0;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else
      return std::nullopt;  // litestream writes lower-case hex only
    value = value * 16 + static_cast<std::uint32_t>(digit);
  }
  return value;
}

bool strip_suffix(std::string_view& name, std::string_view suffix) {
  if (name.size() < suffix.size() || name.substr(name.size() - suffix.size()) != suffix)
    return false;
  name.remove_suffix(suffix.size());
  return true;
}

// nullopt when the file vanished between readdir and stat (retention removing an old generation).
std::optional<double> mtime_seconds(const fs::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw IoError(path, errno);
  }
  return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
}

// Calls fn(name) for each entry of `dir`. A missing directory is empty when `missing_ok`.
template <typename Fn>
void for_each_name(const fs::path& dir, bool missing_ok, Fn&& fn) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    if (missing_ok && ec == std::errc::no_such_file_or_directory) return;  // not written yet
    throw IoError(dir, ec.value());
  }
  for (const fs::directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw IoError(dir, ec.value());
    fn(it->path().filename().string());
  }
  if (ec) throw IoError(dir, ec.value());
}

struct GenerationState {
  std::optional<double> newest_write_seconds;
  std::optional<WalPosition> newest_wal;
};

GenerationState scan_generation(const fs::path& dir) {
  GenerationState out;
  std::optional<std::uint32_t> newest_snapshot;
  std::string snapshot_name;
  for_each_name(dir / "snapshots", true, [&](const std::string& name) {
    const auto index = parse_snapshot_name(name);
    if (index && (!newest_snapshot || *index > *newest_snapshot)) {
      newest_snapshot = index;
      snapshot_name = name;
    }
  });
  std::string wal_name;
  for_each_name(dir / "wal", true, [&](const std::string& name) {
    const auto position = parse_wal_segment_name(name);
    if (position && (!out.newest_wal || *position > *out.newest_wal)) {
      out.newest_wal = position;
      wal_name = name;
    }
  });
  auto consider = [&](const fs::path& file) {
    const auto t = mtime_seconds(file);
    if (t && (!out.newest_write_seconds || *t > *out.newest_write_seconds))
      out.newest_write_seconds = t;
  };
  if (newest_snapshot) consider(dir / "snapshots" / snapshot_name);
  if (out.newest_wal) consider(dir / "wal" / wal_name);
  return out;
}

}  // namespace

bool is_generation_name(std::string_view name) {
  if (name.size() != 16) return false;
  return parse_hex8(name.substr(0, 8)) && parse_hex8(name.substr(8));
}

std::optional<WalPosition> parse_wal_segment_name(std::string_view name) {
  if (!strip_suffix(name, ".wal.lz4") || name.size() != 17 || name[8] != '_') return std::nullopt;
  const auto index = parse_hex8(name.substr(0, 8));
  const auto offset = parse_hex8(name.substr(9));
  if (!index || !offset) return std::nullopt;
  return WalPosition{*index, *offset};
}

std::optional<std::uint32_t> parse_snapshot_name(std::string_view name) {
  if (!strip_suffix(name, ".snapshot.lz4")) return std::nullopt;
  return parse_hex8(name);
}

ReplicaState scan_file_replica(const fs::path& replica_dir) {
  ReplicaState state;
  // The replica directory itself must be there (an unmounted backup disk is the classic case);
  // generations/ appears with litestream's first write.
  struct stat st {};
  if (::stat(replica_dir.c_str(), &st) != 0) throw IoError(replica_dir, errno);
  if (!S_ISDIR(st.st_mode)) throw IoError(replica_dir, ENOTDIR);
  for_each_name(replica_dir / "generations", true, [&](const std::string& name) {
    if (!is_generation_name(name)) return;
    ++state.generations;
    const auto generation = scan_generation(replica_dir / "generations" / name);
    if (generation.newest_write_seconds &&
        (!state.newest_write_seconds ||
         *generation.newest_write_seconds > *state.newest_write_seconds)) {
      state.newest_write_seconds = generation.newest_write_seconds;
      state.newest_generation = name;
      state.newest_wal = generation.newest_wal;
    }
  });
  return state;
}

}  // namespace hawatch::litestream
