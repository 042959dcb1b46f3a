#pragma once
// One libpq connection, kept open between runs, with every connect and query bounded by the run's
// deadline. libpq's blocking calls (PQconnectdb, PQexec) can wait forever on a half-dead server,
// so this uses the asynchronous API: PQconnectStartParams/PQconnectPoll and PQsendQueryParams,
// waiting with poll() on PQsocket() until the deadline. A query that runs past it is cancelled
// and the connection dropped; the next call reconnects.

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/collector.h"
#include "postgres_status.h"

namespace hawatch::pg {

// A failed connect or query. reason() is short and stable (a metric label value: "timeout",
// "connection failed", "query failed"); what() has libpq's message, which holds no password.
class PgError : public std::runtime_error {
 public:
  PgError(std::string reason, const std::string& detail)
      : std::runtime_error(detail), reason_(std::move(reason)) {}
  const std::string& reason() const { return reason_; }

 private:
  std::string reason_;
};

// Connection options as libpq keywords and values (from the parsed DSN), plus the password read
// from password_file. Never logged.
struct ConnectOptions {
  std::vector<std::pair<std::string, std::string>> keywords;
  std::optional<std::string> password;
};

// The deadline for a run's libpq calls: a little before the scheduler's, so that a server that
// does not answer is reported by the run itself (up 0, reason "timeout") rather than the run being
// dropped as late.
inline std::chrono::steady_clock::time_point finish_by(const CollectContext& ctx) {
  return ctx.deadline - std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100), ctx.remaining() / 10);
}

class PgConnection {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  explicit PgConnection(ConnectOptions options) : options_(std::move(options)) {}

  // Runs one statement (text parameters $1..$n) and returns its rows. Connects first when
  // needed. Throws PgError; after a timeout or connection error the connection is dropped.
  Rows query(std::string_view sql, Deadline deadline, const std::vector<std::string>& params = {});

  // A quoted identifier for SQL text (PQescapeIdentifier); connects first when needed.
  std::string quote_identifier(const std::string& identifier, Deadline deadline);

  bool connected() const { return conn_ != nullptr; }
  void disconnect() { conn_.reset(); }

 private:
  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };

  void ensure_connected(Deadline deadline);
  void send(std::string_view sql, const std::vector<std::string>& params, Deadline deadline);
  Rows receive(Deadline deadline);
  // Waits until the socket is readable (or writable); throws PgError on timeout.
  void wait_socket(bool for_write, Deadline deadline, std::string_view during);
  [[noreturn]] void fail(const std::string& reason, const std::string& detail);
  [[noreturn]] void time_out(std::string_view during);

  ConnectOptions options_;
  std::unique_ptr<PGconn, Finish> conn_;
};

}  // namespace hawatch::pg
