#include "postgres_heartbeat.h"

#include "core/parse.h"
#include "collectors/shared/replication.h"

namespace hawatch::pg {
namespace {

class HeartbeatCollector final : public Collector {
 public:
  HeartbeatCollector(std::string name, ConnectOptions connect, std::vector<std::string> table, std::string key)
      : name_(std::move(name)), table_(std::move(table)), key_(std::move(key)), conn_(std::move(connect)) {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    std::string reason;
    std::string detail;
    try {
      if (!beat(finish_by(ctx), sink)) reason = detail = "no heartbeat row";
    } catch (const PgError& e) {
      table_ready_ = false;  // e.g. dropped meanwhile: create it again next time
      reason = e.reason();
      detail = e.what();
    } catch (const ParseError& e) {
      conn_.disconnect();
      reason = "unexpected reply";
      detail = e.what();
    }
    const Labels l{{"name", name_}};
    sink.gauge("hawatch_postgres_heartbeat_up",
               "1 when this run wrote the heartbeat row (primary) or read one (standby).", reason.empty() ? 1 : 0, l);
    if (writing_)
      sink.gauge("hawatch_postgres_heartbeat_writing", "1 when the last reachable server was a primary (hawatch writes).",
                 *writing_ ? 1 : 0, l);
    if (reason.empty()) return;
    problems.push_back({"postgres/" + name_ + "/heartbeat: " + (reason == detail ? reason : reason + ": " + detail)});
    sink.info("hawatch_postgres_heartbeat_error_info", "Why hawatch_postgres_heartbeat_up is 0; present only while it is.",
              {{"name", name_}, {"reason", reason}});
  }

 private:
  // Returns false when a standby has no heartbeat row to read yet.
  bool beat(PgConnection::Deadline deadline, MetricSink& sink) {
    if (!conn_.connected()) table_ready_ = false;
    const bool replica = parse_is_in_recovery(conn_.query(kIsInRecoveryQuery, deadline));
    writing_ = !replica;
    const std::string table = quoted_table(deadline);
    if (replica) {
      const auto rows = conn_.query("SELECT extract(epoch FROM clock_timestamp() - max(ts)) FROM " + table, deadline);
      if (rows.size() != 1 || rows[0].size() != 1) throw ParseError("heartbeat table", "expected one value");
      if (!rows[0][0]) return false;
      const auto age = to_double(*rows[0][0]);
      if (!age) throw ParseError("heartbeat table", "age is not a number");
      replication::emit_heartbeat_age(sink, name_, std::max(0.0, *age));
      return true;
    }
    if (!table_ready_) {
      conn_.query("CREATE TABLE IF NOT EXISTS " + table + " (node text PRIMARY KEY, ts timestamptz NOT NULL)",
                  deadline);
      table_ready_ = true;  // until the connection is lost (the table may be dropped meanwhile)
    }
    conn_.query("INSERT INTO " + table + " (node, ts) VALUES ($1, clock_timestamp())"
                " ON CONFLICT (node) DO UPDATE SET ts = EXCLUDED.ts",
                deadline, {key_});
    return true;
  }

  std::string quoted_table(PgConnection::Deadline deadline) {
    std::string out;
    for (const auto& part : table_) out += (out.empty() ? "" : ".") + conn_.quote_identifier(part, deadline);
    return out;
  }

  std::string name_;
  std::vector<std::string> table_;
  std::string key_;
  PgConnection conn_;
  bool table_ready_ = false;
  std::optional<bool> writing_;  // unknown until a server answered
};

}  // namespace

std::unique_ptr<Collector> make_heartbeat_collector(const EntryConfig& entry, std::string key) {
  return std::make_unique<HeartbeatCollector>(entry.name, entry.connect, entry.heartbeat->table, std::move(key));
}

}  // namespace hawatch::pg
