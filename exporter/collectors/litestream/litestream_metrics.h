#pragma once
// litestream's own /metrics (v0.3.13) -> the series hawatch re-exports for one database.
//
// litestream labels its per-database series {db="<absolute path>"} and its per-replica series
// {db, name="<replica name>"}. The useful ones are renamed into hawatch_litestream_* with
// Prometheus naming (units, _total on counters): the same names whatever litestream calls them in
// a later release, and no clash with a Prometheus that also scrapes litestream directly.
// litestream 0.3 has no transaction id; its position is the shadow WAL index and, per replica,
// the replicated WAL index and offset.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/metric_sink.h"
#include "core/prom_text.h"

namespace hawatch::litestream {

struct Series {
  std::string name;  // hawatch_litestream_*
  std::string help;
  bool counter = false;
  Labels labels;  // litestream's, without db; its replica `name` becomes `replica`
  double value = 0;
};

// How many other databases a message lists: the list is for a person to read, and a long one
// would make every sample a search through it (quadratic in a hostile /metrics).
inline constexpr std::size_t kMaxServedListed = 8;

struct DbMetrics {
  bool found = false;  // litestream reported this database at all
  std::vector<Series> series;
  std::vector<std::string> served;  // the first kMaxServedListed other databases, for messages
};

// Pure: picks `db_path`'s series (paths compared after lexical normalisation).
DbMetrics select_db_metrics(const plugins::PromText& text, std::string_view db_path);

}  // namespace hawatch::litestream
