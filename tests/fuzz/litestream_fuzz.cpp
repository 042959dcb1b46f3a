// What the litestream collector reads from outside: litestream's /metrics (over HTTP) and the file
// names in its replica directory. The first line names the database; the rest is /metrics text.
// Every line is also tried as a replica file name: a name that parses is the one litestream
// writes for that position. Lag from any sequence of times is never negative.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "collectors/litestream/litestream_lag.h"
#include "collectors/litestream/litestream_metrics.h"
#include "collectors/litestream/litestream_replica.h"
#include "core/parse.h"
#include "core/prom_text.h"

namespace {

using namespace hawatch::litestream;

void check_name(std::string_view name) {
  char buf[64];
  if (const auto wal = parse_wal_segment_name(name)) {
    std::snprintf(buf, sizeof buf, "%08x_%08x.wal.lz4", wal->index, wal->offset);
    if (name != buf) __builtin_trap();
  }
  if (const auto index = parse_snapshot_name(name)) {
    std::snprintf(buf, sizeof buf, "%08x.snapshot.lz4", *index);
    if (name != buf) __builtin_trap();
  }
  if (is_generation_name(name) && name.size() != 16) __builtin_trap();
}

void check_lag(std::string_view text) {
  LagTracker tracker(8);
  std::size_t at = 0;
  double values[3];
  while (at + sizeof values <= text.size()) {
    std::memcpy(values, text.data() + at, sizeof values);
    at += sizeof values;
    const bool have_local = !std::isnan(values[1]);
    const bool have_replica = !std::isnan(values[2]);
    const auto lag =
        tracker.observe(values[0], have_local ? std::optional(values[1]) : std::nullopt,
                        have_replica ? std::optional(values[2]) : std::nullopt);
    if (lag && *lag < 0) __builtin_trap();
    if (tracker.remembered() > 8) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto nl = text.find('\n');
  const std::string_view db = text.substr(0, nl);
  const std::string_view body =
      nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  const auto parsed = hawatch::plugins::parse_prometheus_text(body);
  const auto metrics = select_db_metrics(parsed, db);
  for (const auto& s : metrics.series) {
    if (s.name.rfind("hawatch_litestream_", 0) != 0) __builtin_trap();
    for (std::size_t i = 0; i < s.labels.size(); ++i) {
      if (s.labels[i].name == "db") __builtin_trap();
      for (std::size_t j = 0; j < i; ++j)
        if (s.labels[j].name == s.labels[i].name) __builtin_trap();  // /metrics could not carry it
    }
  }
  if (metrics.served.size() > kMaxServedListed) __builtin_trap();
  hawatch::for_each_line(text, check_name);
  check_lag(text);
  return 0;
}
