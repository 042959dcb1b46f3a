#include "mysql_heartbeat.h"

#include <algorithm>

#include "core/parse.h"
#include "mysql_connection.h"
#include "collectors/shared/replication.h"

namespace hawatch::mysql {
namespace {

class HeartbeatCollector final : public Collector {
 public:
  HeartbeatCollector(const Entry& entry)
      : name_(entry.name), table_(entry.heartbeat->table.quoted()), connection_(entry.connection),
        outages_("mysql/" + entry.name + "/heartbeat") {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    try {
      const auto deadline = client_deadline(ctx);
      if (!connection_.connected()) server_id_.reset();  // a new session: maybe a restarted server
      const auto sources = status_.rows(connection_, deadline);
      if (sources.empty()) {
        write(deadline);
        emit_state(sink, true, true);
      } else {
        const double age = oldest_age(sources, deadline);
        emit_state(sink, true, false);
        replication::emit_heartbeat_age(sink, name_, age);
      }
      outages_.up();
    } catch (const Error& e) {
      report_down(sink, problems, e);
    } catch (const ParseError& e) {
      connection_.close();
      report_down(sink, problems, Error(0, "unexpected reply", connection_.options().endpoint() + ": " + e.what()));
    }
  }

 private:
  // On the primary. CREATE TABLE once per session; the row is written with a literal server id
  // because @@server_id in a replicated statement would be the replica's own.
  void write(Connection::Deadline deadline) {
    if (!server_id_) {
      connection_.query("CREATE TABLE IF NOT EXISTS " + table_ +
                            " (server_id INT UNSIGNED NOT NULL PRIMARY KEY, ts DATETIME(6) NOT NULL)",
                        deadline);
      const auto rows = connection_.query("SELECT @@server_id AS id", deadline);
      const auto id = rows.size() == 1 ? to_uint64(rows[0].at("id").value_or("")) : std::nullopt;
      if (!id) throw ParseError("SELECT @@server_id", "no server id");
      server_id_ = *id;
    }
    connection_.query("INSERT INTO " + table_ + " (server_id, ts) VALUES (" + std::to_string(*server_id_) +
                          ", UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE ts = VALUES(ts)",
                      deadline);
  }

  // On a replica: the oldest heartbeat among its sources (the worst one is what matters).
  double oldest_age(const std::vector<Row>& sources, Connection::Deadline deadline) {
    double oldest = 0;
    bool any = false;
    for (const auto& row : sources) {
      const auto status = replica_status_from_row(row);
      if (!status.master_server_id)
        throw Error(0, "source server id unknown",
                    connection_.options().endpoint() + ": " + status.label +
                        ": Master_Server_Id is 0 (the replica has not reached its primary yet)");
      const auto rows = connection_.query("SELECT TIMESTAMPDIFF(MICROSECOND, ts, UTC_TIMESTAMP(6)) AS age_us FROM " +
                                              table_ + " WHERE server_id = " + std::to_string(*status.master_server_id),
                                          deadline);
      const auto age_us = rows.size() == 1 ? to_int64(rows[0].at("age_us").value_or("")) : std::nullopt;
      if (!age_us)
        throw Error(0, "no heartbeat row",
                    connection_.options().endpoint() + ": " + table_ + " has no row for server id " +
                        std::to_string(*status.master_server_id) + " (is the heartbeat configured on the primary?)");
      const double age = static_cast<double>(*age_us) / 1e6;
      oldest = any ? std::max(oldest, age) : age;
      any = true;
    }
    return oldest;
  }

  void emit_state(MetricSink& sink, bool up, bool writing) {
    sink.gauge("hawatch_mysql_heartbeat_up",
               "Whether the heartbeat worked this run (written on a primary, read on a replica).", up ? 1 : 0,
               {{"name", name_}});
    if (up)
      sink.gauge("hawatch_mysql_heartbeat_writing", "1 when this server is a primary and hawatch writes its heartbeat.",
                 writing ? 1 : 0, {{"name", name_}});
  }

  void report_down(MetricSink& sink, std::vector<CollectProblem>& problems, const Error& e) {
    problems.push_back({"mysql/" + name_ + "/heartbeat: " + e.what()});
    outages_.down(e);
    emit_state(sink, false, false);
    sink.info("hawatch_mysql_heartbeat_error_info", "Why hawatch_mysql_heartbeat_up is 0; present only while it is.",
              {{"errno", std::to_string(e.code())}, {"name", name_}, {"reason", e.reason()}});
  }

  std::string name_;
  std::string table_;  // quoted
  Connection connection_;
  StatusQuery status_;
  OutageLog outages_;
  std::optional<std::uint64_t> server_id_;  // set once the table exists in this session
};

}  // namespace

std::unique_ptr<Collector> make_heartbeat_collector(const Entry& entry) {
  return std::make_unique<HeartbeatCollector>(entry);
}

}  // namespace hawatch::mysql
