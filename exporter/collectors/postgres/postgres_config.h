#pragma once
// The postgres collector's config: `collectors.postgres: [ { name, dsn, password_file, standbys,
// heartbeat: { table, interval, timeout }, interval, timeout }, ... ]`, checked with positions.
// The DSN is parsed by libpq's own PQconninfoParse, so what passes here is what libpq accepts; the
// DSN and the password never appear in an error message.

#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"
#include "pg_connection.h"

namespace hawatch::pg {

struct HeartbeatConfig {
  std::vector<std::string> table;  // [schema,] table — validated identifier parts
  Duration interval = std::chrono::seconds(1);
  std::optional<Duration> timeout;
};

struct EntryConfig {
  std::string name;
  ConnectOptions connect;
  std::vector<std::string> expected_standbys;  // application_names that should be connected
  std::optional<HeartbeatConfig> heartbeat;    // present: hawatch writes (primary) / reads (standby)
  std::optional<Duration> interval;
  std::optional<Duration> timeout;
};

// Reads every entry; errors go to args.ctx with FILE:LINE:COL. Invalid entries are left out.
std::vector<EntryConfig> read_entries(const CollectorArgs& args);

// Connect options from a DSN, or nullopt with `why` set (without any part of the DSN's values).
// Without an explicit sslmode, a connection to anything but loopback or a Unix socket gets
// sslmode=verify-full: TLS verification is on unless the DSN says otherwise.
std::optional<ConnectOptions> parse_dsn(const std::string& dsn, std::string& why);

}  // namespace hawatch::pg
