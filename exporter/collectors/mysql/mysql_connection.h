#pragma once
// One reusable MariaDB/MySQL client connection (MariaDB Connector/C), RAII. Connect, read and
// write are bounded by the run's deadline; any client-side error (lost connection, timeout)
// closes the handle so the next run reconnects.

#include <mysql.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/collector.h"
#include "mysql_config.h"
#include "mysql_status.h"

namespace hawatch::mysql {

// A failed connect or query. what() is "ENDPOINT: server message" (never the password);
// reason() is a short, stable category for the hawatch_mysql_error_info label.
class Error : public std::runtime_error {
 public:
  Error(unsigned code, std::string reason, const std::string& message)
      : std::runtime_error(message), code_(code), reason_(std::move(reason)) {}
  unsigned code() const { return code_; }
  const std::string& reason() const { return reason_; }

 private:
  unsigned code_;
  std::string reason_;
};

class Connection {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  explicit Connection(ConnectionOptions options) : options_(std::move(options)) {}

  const ConnectionOptions& options() const { return options_; }
  bool connected() const { return handle_ != nullptr; }
  // Whether the open session is TLS-encrypted.
  bool encrypted() const;
  void close() { handle_.reset(); }

  // Runs one statement; its rows (empty for statements without a result). Connects first when
  // needed. Throws Error.
  std::vector<Row> query(const std::string& sql, Deadline deadline);

 private:
  struct Closer {
    void operator()(MYSQL* handle) const { mysql_close(handle); }
  };

  void connect(Deadline deadline);
  static void require_tls(MYSQL* handle, const TlsOptions& tls);
  template <typename Start, typename Cont>
  void drive(MYSQL* handle, Deadline deadline, Start start, Cont cont);
  Error error_of(MYSQL* handle, Deadline deadline) const;
  [[noreturn]] void fail(MYSQL* handle, Deadline deadline);
  [[noreturn]] void abandon(MYSQL* handle);

  ConnectionOptions options_;
  std::unique_ptr<MYSQL, Closer> handle_;
};

// The replication status of a server, one row per source (none on a primary). Tries
// SHOW ALL SLAVES STATUS (MariaDB: every source, with Connection_name), then SHOW REPLICA STATUS
// (MySQL 8.0.22+, MariaDB 10.5+), then SHOW SLAVE STATUS (older servers), and keeps to the first
// spelling the server accepts.
class StatusQuery {
 public:
  std::vector<Row> rows(Connection& connection, Connection::Deadline deadline);

 private:
  std::size_t dialect_ = 0;
};

// The deadline the client works to: a little before the run's, so that a timed-out answer is
// reported by this run (hawatch_replication_up 0 with reason "timeout") instead of arriving just
// after the scheduler gave up on it.
Connection::Deadline client_deadline(const CollectContext& ctx);

// The short category for a server or client error code (e.g. "access denied", "timeout").
std::string reason_for(unsigned code, bool deadline_passed);

}  // namespace hawatch::mysql

namespace hawatch::mysql {

// Logs when a unit's server goes down (with the reason and detail) or comes back, once per
// change, so that a server that stays down does not flood the log at every run.
class OutageLog {
 public:
  explicit OutageLog(std::string unit) : unit_(std::move(unit)) {}
  void down(const Error& error);
  void up();

 private:
  std::string unit_;
  std::string last_reason_;  // "" while up
};

}  // namespace hawatch::mysql
