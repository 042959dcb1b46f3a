// postgres: replication status of PostgreSQL servers over libpq, from either side. A primary reports
// each standby (pg_stat_replication) and each slot; a standby reports what it received, what it
// replayed, whether WAL still arrives and whether replay is paused. One unit per config entry
// ("postgres/<name>"), plus "postgres/<name>/heartbeat" when the entry has a heartbeat.
// Queries and lag rules: postgres_status.{h,cpp}; bounded libpq I/O: pg_connection.{h,cpp}.

#include <algorithm>
#include <map>

#include "core/collector.h"
#include "core/parse.h"
#include "postgres_config.h"
#include "postgres_heartbeat.h"
#include "postgres_status.h"
#include "collectors/shared/replication.h"

namespace hawatch {
namespace {

using pg::PgConnection;

void optional_gauge(MetricSink& sink, std::string_view name, std::string_view help,
                    const std::optional<double>& value, const Labels& labels) {
  if (value) sink.gauge(name, help, *value, labels);
}

// What one run read from the server, before anything is emitted (a failed query emits nothing
// but up 0).
struct PrimaryReading {
  std::vector<pg::WalSender> senders;
  std::vector<pg::ReplicationSlot> slots;
};

class PostgresCollector final : public Collector {
 public:
  explicit PostgresCollector(const pg::EntryConfig& entry)
      : name_(entry.name), expected_(entry.expected_standbys), conn_(entry.connect) {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    std::string reason;
    std::string detail;
    try {
      const auto deadline = pg::finish_by(ctx);
      const bool replica = pg::parse_is_in_recovery(conn_.query(pg::kIsInRecoveryQuery, deadline));
      if (replica) {
        emit_standby(sink, pg::parse_standby_status(conn_.query(pg::kStandbyQuery, deadline)));
      } else {
        PrimaryReading r;
        r.senders = pg::parse_wal_senders(conn_.query(pg::kStatReplicationQuery, deadline));
        r.slots = pg::parse_slots(conn_.query(pg::kSlotsQuery, deadline));
        emit_primary(sink, r);
      }
      return;
    } catch (const pg::PgError& e) {
      reason = e.reason();
      detail = e.what();
    } catch (const ParseError& e) {
      conn_.disconnect();  // not the server we expect; start clean next time
      reason = "unexpected reply";
      detail = e.what();
    }
    problems.push_back({"postgres/" + name_ + ": " + reason + ": " + detail});
    replication::emit_up(sink, name_, false);
    sink.info("hawatch_postgres_error_info", "Why hawatch_replication_up is 0; present only while it is.",
              {{"name", name_}, {"reason", reason}});
    // The streams of the last good run stay visible: not connected, lag unknown.
    for (const auto& replica : known_replicas_) {
      replication::emit_connected(sink, name_, replica, false);
      replication::emit_lag_seconds(sink, name_, replica, std::nullopt);
    }
  }

 private:
  void emit_primary(MetricSink& sink, const PrimaryReading& r) {
    replication::emit_up(sink, name_, true);
    replication::emit_is_replica(sink, name_, false);
    const auto names = pg::standby_names(r.senders, r.slots, expected_, slot_users_);
    known_replicas_ = names;
    const auto now = pg::ReplayProgress::Clock::now();
    for (const auto& replica : names) {
      const auto it = std::find_if(r.senders.begin(), r.senders.end(), [&](const pg::WalSender& s) {
        return s.application_name == replica && s.state != "backup";
      });
      const pg::WalSender* sender = it == r.senders.end() ? nullptr : &*it;
      emit_standby_seen_from_primary(sink, replica, sender, sender ? progress_.observe(*sender, now) : std::nullopt);
    }
    progress_.keep_only(names);
    for (const auto& slot : r.slots) {
      sink.gauge("hawatch_postgres_slot_active", "1 while a replication slot is in use by a connected client.",
                 slot.active ? 1 : 0, {{"name", name_}, {"slot", slot.name}, {"slot_type", slot.type}});
      optional_gauge(sink, "hawatch_postgres_slot_retained_bytes",
                     "WAL the primary keeps for this slot: current WAL position minus the slot's restart_lsn.",
                     slot.retained_bytes, {{"name", name_}, {"slot", slot.name}});
    }
  }

  void emit_standby_seen_from_primary(MetricSink& sink, const std::string& replica, const pg::WalSender* s,
                                      std::optional<double> stuck_seconds) {
    const Labels l{{"name", name_}, {"replica", replica}};
    replication::emit_connected(sink, name_, replica, s != nullptr);
    replication::emit_lag_seconds(sink, name_, replica, pg::primary_lag_seconds(s, stuck_seconds));
    for (const auto state : pg::kWalSenderStates)
      sink.gauge("hawatch_postgres_standby_state",
                 "1 for the standby's WAL sender state in pg_stat_replication; all 0 while it is not connected.",
                 s && s->state == state ? 1 : 0, {{"name", name_}, {"replica", replica}, {"state", std::string(state)}});
    if (!s) return;
    if (s->replay_lag_bytes) replication::emit_lag_bytes(sink, name_, replica, *s->replay_lag_bytes);
    optional_gauge(sink, "hawatch_postgres_standby_flush_lag_bytes",
                   "Current WAL position minus what the standby flushed to disk.", s->flush_lag_bytes, l);
    optional_gauge(sink, "hawatch_postgres_standby_write_lag_bytes",
                   "Current WAL position minus what the standby wrote.", s->write_lag_bytes, l);
    optional_gauge(sink, "hawatch_postgres_standby_write_lag_seconds",
                   "pg_stat_replication.write_lag; absent while PostgreSQL reports NULL (idle).",
                   s->write_lag_seconds, l);
    optional_gauge(sink, "hawatch_postgres_standby_flush_lag_seconds",
                   "pg_stat_replication.flush_lag; absent while PostgreSQL reports NULL (idle).",
                   s->flush_lag_seconds, l);
    optional_gauge(sink, "hawatch_postgres_standby_replay_lag_seconds",
                   "pg_stat_replication.replay_lag; absent while PostgreSQL reports NULL (idle). Keeps its "
                   "last value while replay is paused.",
                   s->replay_lag_seconds, l);
    optional_gauge(sink, "hawatch_postgres_standby_replay_stuck_seconds",
                   "How long the standby's replay position has not moved while behind, as hawatch observed it.",
                   stuck_seconds, l);
  }

  void emit_standby(MetricSink& sink, const pg::StandbyStatus& s) {
    // A standby reports on itself: its replica label is the entry's name.
    const Labels l{{"name", name_}};
    replication::emit_up(sink, name_, true);
    replication::emit_is_replica(sink, name_, true);
    known_replicas_ = {name_};
    replication::emit_connected(sink, name_, name_, s.streaming());
    replication::emit_lag_seconds(sink, name_, name_, pg::standby_lag_seconds(s));
    if (s.receive_lsn && s.replay_lsn)
      replication::emit_lag_bytes(sink, name_, name_, std::max(0.0, *s.receive_lsn - *s.replay_lsn));
    optional_gauge(sink, "hawatch_postgres_receive_lsn_bytes",
                   "pg_last_wal_receive_lsn() as bytes from 0/0: WAL received from the primary.", s.receive_lsn, l);
    optional_gauge(sink, "hawatch_postgres_replay_lsn_bytes",
                   "pg_last_wal_replay_lsn() as bytes from 0/0: WAL applied.", s.replay_lsn, l);
    sink.gauge("hawatch_postgres_wal_replay_paused", "1 while WAL replay is paused (pg_is_wal_replay_paused()).",
               s.replay_paused ? 1 : 0, l);
    sink.gauge("hawatch_postgres_wal_receiver_streaming",
               "1 while the WAL receiver streams from the primary (pg_stat_wal_receiver.status).",
               s.streaming() ? 1 : 0, l);
    sink.info("hawatch_postgres_wal_receiver_info",
              "The WAL receiver's status (pg_stat_wal_receiver.status; \"none\" when no receiver runs).",
              {{"name", name_}, {"status", s.wal_receiver_status.value_or("none")}});
    optional_gauge(sink, "hawatch_postgres_last_replay_timestamp_seconds",
                   "Commit time of the last replayed transaction (pg_last_xact_replay_timestamp(), primary's clock).",
                   s.last_replay_timestamp, l);
    optional_gauge(sink, "hawatch_postgres_last_replay_age_seconds",
                   "The standby's clock minus pg_last_xact_replay_timestamp(); grows while idle too.",
                   s.seconds_since_last_replay, l);
  }

  std::string name_;
  std::vector<std::string> expected_;
  PgConnection conn_;
  std::map<std::string, std::string> slot_users_;  // physical slot -> application_name last seen on it
  pg::ReplayProgress progress_;
  std::vector<std::string> known_replicas_;  // replica labels of the last good run
};

std::vector<CollectorUnit> postgres_units(const CollectorArgs& args) {
  std::vector<CollectorUnit> units;
  for (const auto& entry : pg::read_entries(args)) {
    units.push_back({"postgres/" + entry.name, std::make_unique<PostgresCollector>(entry), entry.interval,
                     entry.timeout});
    if (!entry.heartbeat) continue;
    const std::string key = args.env.node_name.empty() ? entry.name : args.env.node_name;
    units.push_back({"postgres/" + entry.name + "/heartbeat", pg::make_heartbeat_collector(entry, key),
                     entry.heartbeat->interval, entry.heartbeat->timeout ? entry.heartbeat->timeout : entry.timeout});
  }
  return units;
}

CollectorDescriptor postgres_descriptor() {
  CollectorDescriptor d;
  d.name = "postgres";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  // Nothing to watch without a config section; the section turns it on.
  d.source_exists = [](const Environment&) { return false; };
  d.create_units = postgres_units;
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(postgres, hawatch::postgres_descriptor)
