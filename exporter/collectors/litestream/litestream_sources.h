#pragma once
// The litestream collector's I/O on the local side: the SQLite database's files (by stat() and a
// header read; never opened through SQLite, so hawatch takes no lock and creates no -shm file)
// and litestream's own /metrics over HTTP.

#include <chrono>
#include <cstdint>
#include <string>

#include "collectors/shared/http_client.h"

namespace hawatch::litestream {

// What a stat() of the database and its -wal file tells.
struct LocalDb {
  std::uint64_t db_bytes = 0;
  std::uint64_t wal_bytes = 0;
  // The -wal file's mtime while there is one: in WAL mode (which litestream needs) every write
  // lands there first, while the database file also changes at checkpoints of data already
  // written (and replicated). Without a -wal file, the database file's mtime.
  double last_write_seconds = 0;
};

// Throws IoError (naming the file) when the database cannot be opened for reading or is not
// SQLite.
LocalDb read_local_db(const std::string& path);

// GETs litestream's /metrics (at most 4 MiB) before `deadline`, TLS verified unless `tls` says
// otherwise. Throws std::runtime_error naming the URL and the reason (connect, timeout, tls,
// http status).
std::string fetch_metrics(const std::string& url, const net::TlsOptions& tls,
                          std::chrono::steady_clock::time_point deadline);

}  // namespace hawatch::litestream
