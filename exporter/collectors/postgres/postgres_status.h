#pragma once
// PostgreSQL replication status as plain values: the queries the postgres collector runs, the pure
// parsers from their text rows to structs, and the lag definitions. No libpq here, so all of it is
// tested on literal rows (tests/unit/postgres_status_test.cpp).
//
// Lag rules (docs/configuration.md, "postgres"): a lag that cannot be measured is unknown, never 0,
// and a standby that stopped replaying or receiving never reads as caught up.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::pg {

// One result row as libpq gives it in text format: nullopt for SQL NULL.
using Row = std::vector<std::optional<std::string>>;
using Rows = std::vector<Row>;

inline constexpr std::string_view kIsInRecoveryQuery = "SELECT pg_is_in_recovery()";

// On a primary: one row per WAL sender (connected standby or base backup).
inline constexpr std::string_view kStatReplicationQuery =
    "SELECT pid, application_name, state,"
    " pg_wal_lsn_diff(replay_lsn, '0/0'),"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn),"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn),"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), write_lsn),"
    " extract(epoch FROM write_lag), extract(epoch FROM flush_lag), extract(epoch FROM replay_lag)"
    " FROM pg_stat_replication";

// On a primary: every replication slot.
inline constexpr std::string_view kSlotsQuery =
    "SELECT slot_name, slot_type, active, active_pid,"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)"
    " FROM pg_replication_slots";

// On a standby: one row. LSNs as bytes from 0/0; the receiver status is NULL when no WAL
// receiver runs (not streaming at all).
inline constexpr std::string_view kStandbyQuery =
    "SELECT pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0'),"
    " pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0'),"
    " pg_is_wal_replay_paused(),"
    " extract(epoch FROM pg_last_xact_replay_timestamp()),"
    " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()),"
    " (SELECT status FROM pg_stat_wal_receiver LIMIT 1)";

// The states pg_stat_replication.state can take (hawatch_postgres_standby_state flags).
inline constexpr std::string_view kWalSenderStates[] = {"startup", "catchup", "streaming", "backup",
                                                        "stopping"};

// One row of pg_stat_replication. Byte lags are against the primary's current WAL position.
struct WalSender {
  long long pid = 0;
  std::string application_name;
  std::string state;  // "" when the monitoring role may not see it
  std::optional<double> replay_lsn;
  std::optional<double> replay_lag_bytes;
  std::optional<double> flush_lag_bytes;
  std::optional<double> write_lag_bytes;
  std::optional<double> write_lag_seconds;  // PostgreSQL's own measurements; NULL when idle
  std::optional<double> flush_lag_seconds;
  std::optional<double> replay_lag_seconds;
};

struct ReplicationSlot {
  std::string name;
  std::string type;  // physical | logical
  bool active = false;
  std::optional<long long> active_pid;
  std::optional<double> retained_bytes;  // WAL kept for it; NULL when it never reserved WAL
};

// The standby's own view of its replication.
struct StandbyStatus {
  std::optional<double> receive_lsn;  // NULL when nothing was ever streamed
  std::optional<double> replay_lsn;
  bool replay_paused = false;
  std::optional<double> last_replay_timestamp;     // commit time (primary's clock) of the last replayed xact
  std::optional<double> seconds_since_last_replay;  // standby's clock minus that time
  std::optional<std::string> wal_receiver_status;  // nullopt: no WAL receiver
  bool streaming() const { return wal_receiver_status == "streaming"; }
};

// Parsers: throw ParseError naming the query and column on a malformed row.
bool parse_is_in_recovery(const Rows& rows);
std::vector<WalSender> parse_wal_senders(const Rows& rows);
std::vector<ReplicationSlot> parse_slots(const Rows& rows);
StandbyStatus parse_standby_status(const Rows& rows);

// Seconds of lag on a standby:
//   receiver streaming and everything received is replayed → 0;
//   otherwise (WAL waiting to be applied, or nothing arriving) → seconds since the last replayed
//   transaction, as the standby's clock sees it;
//   no transaction replayed yet → unknown.
std::optional<double> standby_lag_seconds(const StandbyStatus& s);

// Seconds of lag of one standby as its primary sees it:
//   not connected → unknown; replay position equal to the current WAL position → 0;
//   otherwise the larger of PostgreSQL's replay_lag and `stuck_seconds` (how long the replay position
//   has stood still while behind, as this collector observed it — replay_lag keeps its last value
//   while replay is paused); unknown when neither exists.
std::optional<double> primary_lag_seconds(const WalSender* sender, std::optional<double> stuck_seconds);

// Remembers, per standby, since when its replay position has not moved while it was behind.
class ReplayProgress {
 public:
  using Clock = std::chrono::steady_clock;
  // Returns how long `sender`'s replay position has been stuck (0 when it moved or is caught up;
  // nullopt when its position is not visible).
  std::optional<double> observe(const WalSender& sender, Clock::time_point now);
  // Forgets standbys that are not in `present`.
  void keep_only(const std::vector<std::string>& present);

 private:
  struct Seen {
    double replay_lsn;
    Clock::time_point since;
  };
  std::map<std::string, Seen> seen_;
};

// Which standbys the primary reports on: every connected WAL sender (not base backups), every
// configured expected standby, and every physical slot, so a standby that vanished still reads
// connected 0. A slot is reported under the application_name of the last standby seen using it
// (`slot_users`, updated here), or under its own name when none was seen.
std::vector<std::string> standby_names(const std::vector<WalSender>& senders,
                                       const std::vector<ReplicationSlot>& slots,
                                       const std::vector<std::string>& expected,
                                       std::map<std::string, std::string>& slot_users);

// A heartbeat table name: an unquoted lower-case SQL identifier (a-z, 0-9, _ , $; not starting with a
// digit or $; at most 63 bytes), optionally schema-qualified as schema.table. Returns the parts,
// or nullopt when invalid.
std::optional<std::vector<std::string>> split_table_name(std::string_view name);

}  // namespace hawatch::pg
