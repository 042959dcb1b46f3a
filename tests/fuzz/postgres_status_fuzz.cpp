// PostgreSQL's answers to the postgres collector's status queries, as libpq hands them over (text
// cells, NULL). Input: one row per line, cells separated by tabs, "\N" for NULL; the same rows go
// to every parser. Each parser returns values or throws ParseError; the lags derived from what
// parsed are never negative, and the standby list is sorted and unique.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "collectors/postgres/postgres_status.h"
#include "core/parse.h"

namespace {

using namespace hawatch::pg;

Rows rows_of(std::string_view text) {
  Rows rows;
  hawatch::for_each_line(text, [&](std::string_view line) {
    Row row;
    while (true) {
      const auto tab = line.find('\t');
      const auto cell = line.substr(0, tab);
      if (cell == "\\N")
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(cell));
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    rows.push_back(std::move(row));
  });
  return rows;
}

void check_lag(std::optional<double> lag) {
  if (lag && *lag < 0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Rows rows = rows_of(text);
  try {
    (void)parse_is_in_recovery(rows);
  } catch (const hawatch::ParseError&) {
  }
  try {
    check_lag(standby_lag_seconds(parse_standby_status(rows)));
  } catch (const hawatch::ParseError&) {
  }
  std::vector<WalSender> senders;
  std::vector<ReplicationSlot> slots;
  try {
    senders = parse_wal_senders(rows);
  } catch (const hawatch::ParseError&) {
  }
  try {
    slots = parse_slots(rows);
  } catch (const hawatch::ParseError&) {
  }
  ReplayProgress progress;
  const auto now = ReplayProgress::Clock::now();
  for (const auto& s : senders) {
    const auto stuck = progress.observe(s, now);
    check_lag(stuck);
    check_lag(primary_lag_seconds(&s, stuck));
  }
  std::map<std::string, std::string> users;
  const auto names = standby_names(senders, slots, {"expected"}, users);
  for (std::size_t i = 1; i < names.size(); ++i)
    if (!(names[i - 1] < names[i])) __builtin_trap();
  hawatch::for_each_line(text, [](std::string_view line) {
    if (const auto parts = split_table_name(line)) {
      const std::string joined = parts->size() == 1 ? (*parts)[0] : (*parts)[0] + "." + (*parts)[1];
      if (joined != line) __builtin_trap();
    }
  });
  return 0;
}
