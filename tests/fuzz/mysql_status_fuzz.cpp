// Replication status rows come from the server: any column set and any values must map to a
// ReplicaStatus or a ParseError, never crash; table names and processlist hosts likewise.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "collectors/mysql/mysql_status.h"
#include "core/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace hawatch;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // "Column: value" lines (the mariadb client's \G layout); "NULL" is SQL NULL.
  mysql::Row row;
  for_each_line(text, [&](std::string_view line) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const auto value = trim(line.substr(colon + 1));
    row[std::string(trim(line.substr(0, colon)))] =
        value == "NULL" ? std::nullopt : std::optional<std::string>(std::string(value));
  });
  try {
    const auto status = mysql::replica_status_from_row(row);
    if (status.label.empty()) __builtin_trap();  // always connection name or host:port
    (void)status.lag_seconds();
  } catch (const ParseError&) {
  }
  if (const auto name = mysql::parse_table_name(text)) {
    // Validated parts hold no backtick, so they can never close the quoting.
    const auto quoted = name->quoted();
    const auto backticks = std::count(quoted.begin(), quoted.end(), '`');
    if (backticks != (name->schema ? 4 : 2)) __builtin_trap();
  }
  (void)mysql::replica_host_from_process_host(text);
  return 0;
}
