#include "pg_connection.h"

#include <poll.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <thread>

namespace hawatch::pg {
namespace {

// libpq's message without its continuation lines (the query excerpt and caret, hints).
std::string trimmed(const char* message) {
  std::string s = message ? message : "";
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "unknown libpq error" : s;
}

struct ClearResult {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ClearResult>;

// Sends a cancel request for the running query. PQcancel (libpq 15) connects and waits for the
// server with no timeout of its own, so it runs on a detached thread that owns its PGcancel and
// nothing else: the collector returns by its deadline either way. At most a few at once, so a
// server that hangs every cancel cannot pile up threads.
std::atomic<int> cancels_in_flight{0};
constexpr int kMaxCancelsInFlight = 4;

void cancel_in_background(PGconn* conn) {
  if (cancels_in_flight.load() >= kMaxCancelsInFlight) return;
  PGcancel* cancel = PQgetCancel(conn);
  if (!cancel) return;
  ++cancels_in_flight;
  std::thread([cancel] {
    char err[256];
    PQcancel(cancel, err, sizeof err);
    PQfreeCancel(cancel);
    --cancels_in_flight;
  }).detach();
}

}  // namespace

Rows PgConnection::query(std::string_view sql, Deadline deadline, const std::vector<std::string>& params) {
  const bool reused = connected();
  try {
    ensure_connected(deadline);
    send(sql, params, deadline);
    return receive(deadline);
  } catch (const PgError& e) {
    // A kept connection may have been closed by the server meanwhile (restart, idle timeout):
    // one fresh try, so that this does not read as an outage. Query errors keep the connection.
    if (!reused || connected() || e.reason() != "connection failed") throw;
  }
  ensure_connected(deadline);
  send(sql, params, deadline);
  return receive(deadline);
}

std::string PgConnection::quote_identifier(const std::string& identifier, Deadline deadline) {
  ensure_connected(deadline);
  std::unique_ptr<char, decltype(&PQfreemem)> quoted(
      PQescapeIdentifier(conn_.get(), identifier.c_str(), identifier.size()), &PQfreemem);
  if (!quoted) fail("query failed", trimmed(PQerrorMessage(conn_.get())));
  return quoted.get();
}

void PgConnection::ensure_connected(Deadline deadline) {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return;
  conn_.reset();
  std::vector<const char*> keys;
  std::vector<const char*> values;
  bool has_timeout = false;
  for (const auto& [k, v] : options_.keywords) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
    has_timeout = has_timeout || k == "connect_timeout";
  }
  // libpq's own bound for each host it tries (it rounds below 2 s up to 2); poll() below holds
  // the run's deadline whatever it does.
  const auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
  const std::string timeout = std::to_string(std::max(2, static_cast<int>(std::ceil(left))));
  if (!has_timeout) {
    keys.push_back("connect_timeout");
    values.push_back(timeout.c_str());
  }
  keys.push_back("fallback_application_name");
  values.push_back("hawatch");
  if (options_.password) {
    keys.push_back("password");
    values.push_back(options_.password->c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_.reset(PQconnectStartParams(keys.data(), values.data(), 0));
  if (!conn_) throw PgError("connection failed", "out of memory starting a connection");
  if (PQstatus(conn_.get()) == CONNECTION_BAD) fail("connection failed", trimmed(PQerrorMessage(conn_.get())));
  // As the libpq manual says: start as if PQconnectPoll had returned PGRES_POLLING_WRITING.
  PostgresPollingStatusType state = PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) fail("connection failed", trimmed(PQerrorMessage(conn_.get())));
    wait_socket(state == PGRES_POLLING_WRITING, deadline, "connecting");
    state = PQconnectPoll(conn_.get());
  }
  if (PQsetnonblocking(conn_.get(), 1) != 0) fail("connection failed", trimmed(PQerrorMessage(conn_.get())));
}

void PgConnection::send(std::string_view sql, const std::vector<std::string>& params, Deadline deadline) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  const std::string text(sql);
  if (!PQsendQueryParams(conn_.get(), text.c_str(), static_cast<int>(values.size()), nullptr,
                         values.data(), nullptr, nullptr, 0))
    fail("query failed", trimmed(PQerrorMessage(conn_.get())));
  // Non-blocking mode: push the query out, reading whatever the server says meanwhile.
  while (true) {
    const int flushed = PQflush(conn_.get());
    if (flushed == 0) return;
    if (flushed < 0) fail("connection failed", trimmed(PQerrorMessage(conn_.get())));
    wait_socket(true, deadline, "sending a query");
    if (!PQconsumeInput(conn_.get())) fail("connection failed", trimmed(PQerrorMessage(conn_.get())));
  }
}

Rows PgConnection::receive(Deadline deadline) {
  Rows rows;
  std::optional<std::string> error;
  while (true) {
    while (PQisBusy(conn_.get())) {
      wait_socket(false, deadline, "waiting for a reply");
      if (!PQconsumeInput(conn_.get())) fail("connection failed", trimmed(PQerrorMessage(conn_.get())));
    }
    const Result result(PQgetResult(conn_.get()));
    if (!result) break;
    const auto status = PQresultStatus(result.get());
    if (status == PGRES_TUPLES_OK) {
      const int n = PQntuples(result.get());
      const int columns = PQnfields(result.get());
      for (int i = 0; i < n; ++i) {
        Row row;
        for (int c = 0; c < columns; ++c) {
          if (PQgetisnull(result.get(), i, c))
            row.emplace_back(std::nullopt);
          else
            row.emplace_back(std::string(PQgetvalue(result.get(), i, c),
                                         static_cast<std::size_t>(PQgetlength(result.get(), i, c))));
        }
        rows.push_back(std::move(row));
      }
    } else if (status != PGRES_COMMAND_OK && !error) {
      error = trimmed(PQresultErrorMessage(result.get()));
    }
  }
  if (PQstatus(conn_.get()) != CONNECTION_OK) fail("connection failed", error.value_or("connection lost"));
  if (error) throw PgError("query failed", *error);  // the connection itself is still good
  return rows;
}

void PgConnection::wait_socket(bool for_write, Deadline deadline, std::string_view during) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) time_out(during);
    pollfd p{PQsocket(conn_.get()), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    if (p.fd < 0) fail("connection failed", "no socket");
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
    if (ready > 0) return;  // readable/writable, or an error libpq will report
    if (ready < 0 && errno != EINTR) fail("connection failed", "poll failed");
  }
}

void PgConnection::fail(const std::string& reason, const std::string& detail) {
  conn_.reset();
  throw PgError(reason, detail);
}

void PgConnection::time_out(std::string_view during) {
  // Only a running query is worth cancelling; a half-open connection is simply dropped.
  if (PQstatus(conn_.get()) == CONNECTION_OK && PQtransactionStatus(conn_.get()) == PQTRANS_ACTIVE)
    cancel_in_background(conn_.get());
  conn_.reset();
  throw PgError("timeout", "timed out " + std::string(during));
}

}  // namespace hawatch::pg
