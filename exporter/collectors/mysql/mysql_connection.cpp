#include "mysql_connection.h"

#include <errmsg.h>
#include <mysqld_error.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <mutex>
#include <optional>

#include "core/log.h"

namespace hawatch::mysql {
namespace {

// mysql_library_init is not thread-safe and mysql_init would call it implicitly from whichever
// worker thread connects first; do it once, explicitly.
void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// Connector/C takes whole seconds; round up, at least 1 (0 would mean "no timeout").
unsigned whole_seconds_left(Connection::Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<unsigned>(std::max<long long>(1, (left.count() + 999) / 1000));
}

// What the library waits for, bounded by its own timeout and by `deadline`; the events to pass
// to the _cont() call, or nullopt when the deadline came first.
std::optional<int> wait_for(MYSQL* handle, int waiting, Connection::Deadline deadline) {
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    long long timeout_ms = left.count();
    bool library_timeout = false;
    if ((waiting & MYSQL_WAIT_TIMEOUT) != 0 && mysql_get_timeout_value_ms(handle) <= timeout_ms) {
      timeout_ms = mysql_get_timeout_value_ms(handle);
      library_timeout = true;
    }
    pollfd fd{};
    fd.fd = mysql_get_socket(handle);
    fd.events = static_cast<short>(((waiting & MYSQL_WAIT_READ) != 0 ? POLLIN : 0) |
                                   ((waiting & MYSQL_WAIT_WRITE) != 0 ? POLLOUT : 0) |
                                   ((waiting & MYSQL_WAIT_EXCEPT) != 0 ? POLLPRI : 0));
    const int n = ::poll(&fd, 1, static_cast<int>(timeout_ms));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MYSQL_WAIT_TIMEOUT;  // let the library fail the operation
    if (n == 0) {
      if (library_timeout) return MYSQL_WAIT_TIMEOUT;
      continue;  // re-check the deadline
    }
    int ready = 0;
    if ((fd.revents & (POLLIN | POLLHUP | POLLERR)) != 0) ready |= MYSQL_WAIT_READ;
    if ((fd.revents & (POLLOUT | POLLHUP | POLLERR)) != 0) ready |= MYSQL_WAIT_WRITE;
    if ((fd.revents & POLLPRI) != 0) ready |= MYSQL_WAIT_EXCEPT;
    return ready;
  }
}

struct ResultFree {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};

std::vector<Row> rows_of(MYSQL_RES* result) {
  std::vector<Row> rows;
  const unsigned columns = mysql_num_fields(result);
  const MYSQL_FIELD* fields = mysql_fetch_fields(result);
  while (MYSQL_ROW values = mysql_fetch_row(result)) {
    const unsigned long* lengths = mysql_fetch_lengths(result);
    Row row;
    for (unsigned i = 0; i < columns; ++i) {
      std::optional<std::string> value;
      if (values[i] != nullptr) value.emplace(values[i], lengths[i]);
      row.emplace(fields[i].name, std::move(value));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

Connection::Deadline client_deadline(const CollectContext& ctx) {
  const auto margin = std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(25), ctx.remaining() / 10);
  return ctx.deadline - margin;
}

std::string reason_for(unsigned code, bool deadline_passed) {
  switch (code) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
      return "access denied";
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
      return "missing privilege";
    case ER_BAD_DB_ERROR:
      return "unknown database";
    case ER_NO_SUCH_TABLE:
      return "no such table";
    case ER_OPTION_PREVENTS_STATEMENT:
      return "read only";
    case CR_UNKNOWN_HOST:
      return "host not found";
    case CR_SSL_CONNECTION_ERROR:
      return "tls error";
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
      return deadline_passed ? "timeout" : "cannot connect";
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
      return deadline_passed ? "timeout" : "connection lost";
    default:
      if (deadline_passed) return "timeout";
      return code >= CR_MIN_ERROR ? "client error" : "query failed";
  }
}

Error Connection::error_of(MYSQL* handle, Deadline deadline) const {
  const unsigned code = mysql_errno(handle);
  const std::string message = options_.endpoint() + ": " + mysql_error(handle) + " (errno " + std::to_string(code) + ")";
  return Error(code, reason_for(code, std::chrono::steady_clock::now() >= deadline), message);
}

void Connection::fail(MYSQL* handle, Deadline deadline) {
  Error error = error_of(handle, deadline);
  // After a client-side error the protocol state is unknown: start over next time. A server
  // error (a refused statement) leaves the session usable.
  if (error.code() >= CR_MIN_ERROR || error.code() == 0) close();
  throw error;
}

void Connection::abandon(MYSQL* handle) {
  // The operation is still in progress: shut the socket down first so that mysql_close()
  // cannot wait on a server that stopped answering.
  if (const auto fd = mysql_get_socket(handle); fd >= 0) ::shutdown(fd, SHUT_RDWR);
  close();
  throw Error(CR_SERVER_LOST, "timeout", options_.endpoint() + ": no answer within the run's timeout");
}

// Connector/C's non-blocking API, so that every step is bounded by the run's deadline to the
// millisecond (its own timeouts count whole seconds). `start`/`cont` return what the library
// waits for (0: done).
template <typename Start, typename Cont>
void Connection::drive(MYSQL* handle, Deadline deadline, Start start, Cont cont) {
  int waiting = start();
  while (waiting != 0) {
    const auto ready = wait_for(handle, waiting, deadline);
    if (!ready) abandon(handle);
    waiting = cont(*ready);
  }
}

void Connection::require_tls(MYSQL* handle, const TlsOptions& tls) {
  const auto path = [](const std::optional<std::string>& file) { return file ? file->c_str() : nullptr; };
  if (tls.ca_file) mysql_optionsv(handle, MYSQL_OPT_SSL_CA, path(tls.ca_file));
  if (tls.cert_file) mysql_optionsv(handle, MYSQL_OPT_SSL_CERT, path(tls.cert_file));
  if (tls.key_file) mysql_optionsv(handle, MYSQL_OPT_SSL_KEY, path(tls.key_file));
  const my_bool on = 1;
  const my_bool verify = tls.insecure_skip_verify ? 0 : 1;
  mysql_optionsv(handle, MYSQL_OPT_SSL_ENFORCE, &on);  // no silent fallback to plain text
  mysql_optionsv(handle, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
}

bool Connection::encrypted() const { return handle_ && mysql_get_ssl_cipher(handle_.get()) != nullptr; }

void Connection::connect(Deadline deadline) {
  init_library_once();
  handle_.reset(mysql_init(nullptr));
  MYSQL* handle = handle_.get();
  if (!handle) throw Error(CR_OUT_OF_MEMORY, "client error", options_.endpoint() + ": mysql_init failed");
  mysql_optionsv(handle, MYSQL_OPT_NONBLOCK, 0);
  // Backstops only; the deadline is enforced by drive().
  const unsigned seconds = whole_seconds_left(deadline) + 1;
  mysql_optionsv(handle, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
  mysql_optionsv(handle, MYSQL_OPT_READ_TIMEOUT, &seconds);
  mysql_optionsv(handle, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
  // Never let the server ask for local files; never reconnect behind our back (a silent
  // reconnect would hide that the server restarted, and loses the session's settings).
  const unsigned off = 0;
  mysql_optionsv(handle, MYSQL_OPT_LOCAL_INFILE, &off);
  const my_bool no_reconnect = 0;
  mysql_optionsv(handle, MYSQL_OPT_RECONNECT, &no_reconnect);
  if (options_.tls) require_tls(handle, *options_.tls);
  const bool via_socket = options_.socket.has_value();
  const char* host = via_socket ? "localhost" : options_.host.c_str();
  const char* password = options_.password ? options_.password->c_str() : nullptr;
  const char* database = options_.database ? options_.database->c_str() : nullptr;
  const unsigned port = via_socket ? 0 : options_.port;
  const char* socket = via_socket ? options_.socket->c_str() : nullptr;
  MYSQL* connected = nullptr;
  drive(
      handle, deadline,
      [&] { return mysql_real_connect_start(&connected, handle, host, options_.user.c_str(), password, database, port, socket, 0); },
      [&](int ready) { return mysql_real_connect_cont(&connected, handle, ready); });
  if (!connected) {
    Error error = error_of(handle, deadline);
    close();  // a refused login too: the handle is not connected
    throw error;
  }
}

std::vector<Row> StatusQuery::rows(Connection& connection, Connection::Deadline deadline) {
  static constexpr std::array<const char*, 3> kStatements = {"SHOW ALL SLAVES STATUS", "SHOW REPLICA STATUS",
                                                             "SHOW SLAVE STATUS"};
  for (;;) {
    try {
      return connection.query(kStatements[dialect_], deadline);
    } catch (const Error& e) {
      // An older or other server that does not know this spelling: try the next one.
      if (e.code() != ER_PARSE_ERROR || dialect_ + 1 == kStatements.size()) throw;
      ++dialect_;
    }
  }
}

std::vector<Row> Connection::query(const std::string& sql, Deadline deadline) {
  if (std::chrono::steady_clock::now() >= deadline)
    throw Error(CR_SERVER_LOST, "timeout", options_.endpoint() + ": no time left for the query");
  if (!handle_) connect(deadline);
  MYSQL* handle = handle_.get();
  int failed = 0;
  drive(
      handle, deadline, [&] { return mysql_real_query_start(&failed, handle, sql.data(), sql.size()); },
      [&](int ready) { return mysql_real_query_cont(&failed, handle, ready); });
  if (failed != 0) fail(handle, deadline);
  MYSQL_RES* stored = nullptr;
  drive(
      handle, deadline, [&] { return mysql_store_result_start(&stored, handle); },
      [&](int ready) { return mysql_store_result_cont(&stored, handle, ready); });
  std::unique_ptr<MYSQL_RES, ResultFree> result(stored);
  if (!result) {
    if (mysql_field_count(handle) != 0) fail(handle, deadline);  // a result was due but not read
    return {};
  }
  return rows_of(result.get());
}

}  // namespace hawatch::mysql

namespace hawatch::mysql {

void OutageLog::down(const Error& error) {
  if (last_reason_ == error.reason()) return;
  last_reason_ = error.reason();
  log::warn("database not available", {{"collector", unit_}, {"reason", error.reason()}, {"detail", error.what()}});
}

void OutageLog::up() {
  if (last_reason_.empty()) return;
  last_reason_.clear();
  log::info("database available again", {{"collector", unit_}});
}

}  // namespace hawatch::mysql
