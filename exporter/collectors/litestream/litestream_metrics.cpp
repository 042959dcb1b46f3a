#include "litestream_metrics.h"

#include <algorithm>
#include <array>
#include <filesystem>

namespace hawatch::litestream {
namespace {

struct Mapping {
  std::string_view source;
  std::string_view name;
  bool counter;
  std::string_view help;
};

constexpr std::array kMappings{
    Mapping{"litestream_db_size", "hawatch_litestream_db_size_bytes", false,
            "Size of the database file as litestream last saw it."},
    Mapping{"litestream_wal_size", "hawatch_litestream_wal_size_bytes", false,
            "Size of the database's WAL file as litestream last saw it."},
    Mapping{"litestream_total_wal_bytes", "hawatch_litestream_shadow_wal_bytes_total", true,
            "Bytes litestream copied from the WAL into its shadow WAL."},
    Mapping{"litestream_shadow_wal_index", "hawatch_litestream_shadow_wal_index", false,
            "Index of litestream's current shadow WAL (its local position; rises at each WAL "
            "restart)."},
    Mapping{"litestream_shadow_wal_size", "hawatch_litestream_shadow_wal_size_bytes", false,
            "Size of litestream's current shadow WAL."},
    Mapping{"litestream_sync_count", "hawatch_litestream_syncs_total", true,
            "Sync operations litestream performed (WAL to shadow WAL)."},
    Mapping{"litestream_sync_error_count", "hawatch_litestream_sync_errors_total", true,
            "Sync operations that failed."},
    Mapping{"litestream_sync_seconds", "hawatch_litestream_sync_seconds_total", true,
            "Time litestream spent syncing."},
    Mapping{"litestream_checkpoint_count", "hawatch_litestream_checkpoints_total", true,
            "Checkpoints litestream performed, by mode."},
    Mapping{"litestream_checkpoint_error_count", "hawatch_litestream_checkpoint_errors_total", true,
            "Checkpoints that failed, by mode."},
    Mapping{"litestream_checkpoint_seconds", "hawatch_litestream_checkpoint_seconds_total", true,
            "Time litestream spent checkpointing, by mode."},
    Mapping{
        "litestream_replica_wal_index", "hawatch_litestream_replica_wal_index", false,
        "WAL index the replica has reached (compare with hawatch_litestream_shadow_wal_index)."},
    Mapping{"litestream_replica_wal_offset", "hawatch_litestream_replica_wal_offset_bytes", false,
            "Offset in that WAL the replica has reached."},
    Mapping{"litestream_replica_wal_bytes", "hawatch_litestream_replica_wal_bytes_total", true,
            "WAL bytes litestream wrote to the replica."},
    Mapping{"litestream_replica_validation_total", "hawatch_litestream_replica_validations_total",
            true, "Replica validations litestream performed, by status."},
};

std::string normal(std::string_view path) {
  return std::filesystem::path(path).lexically_normal().string();
}

}  // namespace

DbMetrics select_db_metrics(const plugins::PromText& text, std::string_view db_path) {
  DbMetrics out;
  const std::string wanted = normal(db_path);
  for (const auto& family : text.families) {
    const auto mapping = std::find_if(kMappings.begin(), kMappings.end(),
                                      [&](const Mapping& m) { return m.source == family.name; });
    for (const auto& sample : family.samples) {
      const auto db = std::find_if(sample.labels.begin(), sample.labels.end(),
                                   [](const auto& l) { return l.first == "db"; });
      if (db == sample.labels.end()) continue;
      const std::string served = normal(db->second);
      if (served != wanted) {
        if (out.served.size() < kMaxServedListed &&
            std::find(out.served.begin(), out.served.end(), served) == out.served.end())
          out.served.push_back(served);
        continue;
      }
      out.found = true;
      // Only the mapped families, and only samples named like their family (no histogram parts).
      if (mapping == kMappings.end() || sample.name != family.name) continue;
      Series s{std::string(mapping->name),
               std::string(mapping->help),
               mapping->counter,
               {},
               sample.value};
      for (const auto& [key, value] : sample.labels) {
        // `name` becomes `replica`; a `replica` of litestream's own would then be a second one.
        if (key == "db" || key == "replica") continue;
        s.labels.push_back({key == "name" ? "replica" : key, value});
      }
      out.series.push_back(std::move(s));
    }
  }
  return out;
}

}  // namespace hawatch::litestream
