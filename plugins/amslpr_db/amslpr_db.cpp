// amslpr_db: health of the AMSLPR SQLite database, read-only. A C++ plugin against
// include/hawatch/plugin.h. Config (all optional):
//   path: /var/lib/amslpr/amslpr.db   (seen through --path.rootfs)
//   table: access_logs   timestamp_column: timestamp   plate_column: plate_number
//   window_minutes: 15
// Emits hawatch_amslpr_db_up, _quick_check_ok, _recent_access_events, _recent_plates (distinct
// plates seen in the window), _last_access_timestamp_seconds, and CRITICAL when the database is
// unreadable or fails quick_check, WARNING when no plate was seen in the window.

#include <hawatch/plugin.h>
#include <sqlite3.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

struct State {
  std::string path;
  std::string table, ts_column, plate_column;
  long window_minutes = 15;
};

bool identifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return !std::isdigit(static_cast<unsigned char>(s[0]));
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Db = std::unique_ptr<sqlite3, DbCloser>;
using Stmt = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

int init(const hawatch_plugin_config* config, void** state, char* error, size_t error_size) {
  auto s = std::make_unique<State>();
  const std::string root = config->rootfs && std::string(config->rootfs) != "/" ? config->rootfs : "";
  s->path = root + hawatch_config_get(config, "path", "/var/lib/amslpr/amslpr.db");
  s->table = hawatch_config_get(config, "table", "access_logs");
  s->ts_column = hawatch_config_get(config, "timestamp_column", "timestamp");
  s->plate_column = hawatch_config_get(config, "plate_column", "plate_number");
  const std::string window = hawatch_config_get(config, "window_minutes", "15");
  char* end = nullptr;
  s->window_minutes = std::strtol(window.c_str(), &end, 10);
  if (!end || *end || s->window_minutes <= 0 || s->window_minutes > 7 * 24 * 60) {
    std::snprintf(error, error_size, "window_minutes: \"%s\" is not 1..10080", window.c_str());
    return 1;
  }
  for (const auto* id : {&s->table, &s->ts_column, &s->plate_column}) {
    // Identifiers go into SQL text: only plain names are allowed.
    if (!identifier(*id)) {
      std::snprintf(error, error_size, "\"%s\" is not a plain SQL identifier", id->c_str());
      return 1;
    }
  }
  *state = s.release();
  return 0;
}

void gauge(const hawatch_sink_api* api, hawatch_sink* sink, const char* name, const char* help, double v) {
  api->gauge(sink, name, help, v, nullptr, 0);
}

int collect(void* state, const hawatch_sink_api* api, hawatch_sink* sink, double timeout) {
  const State& s = *static_cast<State*>(state);
  sqlite3* raw = nullptr;
  // Read-only and never creating: a mistyped path must not leave an empty database behind.
  const int rc = sqlite3_open_v2(s.path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  Db db(raw);
  if (rc != SQLITE_OK) {
    const std::string why = s.path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
    gauge(api, sink, "hawatch_amslpr_db_up", "Whether the AMSLPR database could be opened and read.", 0);
    api->status(sink, HAWATCH_STATUS_CRITICAL, why.c_str());
    api->problem(sink, why.c_str());
    return 0;
  }
  // The app writes concurrently: wait for its locks, but within our timeout.
  sqlite3_busy_timeout(db.get(), static_cast<int>(timeout * 1000 / 2));
  auto query = [&](const std::string& sql, auto&& row) -> std::string {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return sqlite3_errmsg(db.get());
    Stmt stmt(st);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) row(st);
    return step == SQLITE_DONE ? std::string() : std::string(sqlite3_errmsg(db.get()));
  };
  std::string quick;
  std::string err = query("PRAGMA quick_check", [&](sqlite3_stmt* st) {
    const auto* t = sqlite3_column_text(st, 0);
    if (quick.empty() && t) quick = reinterpret_cast<const char*>(t);
  });
  const bool quick_ok = err.empty() && quick == "ok";
  gauge(api, sink, "hawatch_amslpr_db_quick_check_ok", "Whether PRAGMA quick_check returned ok.", quick_ok ? 1 : 0);
  if (!err.empty()) {
    const std::string why = s.path + ": " + err;
    gauge(api, sink, "hawatch_amslpr_db_up", "Whether the AMSLPR database could be opened and read.", 0);
    api->status(sink, HAWATCH_STATUS_CRITICAL, why.c_str());
    api->problem(sink, why.c_str());
    return 0;
  }
  double events = 0, plates = 0, last = 0;
  const std::string sql = "SELECT COUNT(*), COUNT(DISTINCT \"" + s.plate_column + "\"), "
                          "COALESCE(MAX(strftime('%s', \"" + s.ts_column + "\")), 0) FROM \"" + s.table +
                          "\" WHERE datetime(\"" + s.ts_column + "\") >= datetime('now', '-" +
                          std::to_string(s.window_minutes) + " minutes')";
  err = query(sql, [&](sqlite3_stmt* st) {
    events = sqlite3_column_double(st, 0);
    plates = sqlite3_column_double(st, 1);
    last = sqlite3_column_double(st, 2);
  });
  if (err.empty())
    err = query("SELECT COALESCE(MAX(strftime('%s', \"" + s.ts_column + "\")), 0) FROM \"" + s.table + "\"",
                [&](sqlite3_stmt* st) { last = sqlite3_column_double(st, 0); });
  gauge(api, sink, "hawatch_amslpr_db_up", "Whether the AMSLPR database could be opened and read.", err.empty() ? 1 : 0);
  if (!err.empty()) {
    const std::string why = s.path + ": " + err;
    api->status(sink, HAWATCH_STATUS_CRITICAL, why.c_str());
    api->problem(sink, why.c_str());
    return 0;
  }
  gauge(api, sink, "hawatch_amslpr_db_recent_access_events", "access_logs rows in the last window_minutes.", events);
  gauge(api, sink, "hawatch_amslpr_db_recent_plates", "Distinct plates seen in the last window_minutes.", plates);
  gauge(api, sink, "hawatch_amslpr_db_last_access_timestamp_seconds",
        "Unix time of the newest access_logs row (0: none).", last);
  if (!quick_ok)
    api->status(sink, HAWATCH_STATUS_CRITICAL, ("quick_check: " + quick).c_str());
  else if (plates == 0)
    api->status(sink, HAWATCH_STATUS_WARNING, "no plate seen in the window");
  else
    api->status(sink, HAWATCH_STATUS_OK, "database readable, plates seen");
  return 0;
}

void shutdown(void* state) { delete static_cast<State*>(state); }

const hawatch_plugin kPlugin{HAWATCH_PLUGIN_ABI_VERSION, "amslpr_db", &init, &collect, &shutdown};

}  // namespace

extern "C" HAWATCH_PLUGIN_EXPORT const hawatch_plugin* hawatch_plugin_entry(void) { return &kPlugin; }
