// mysql: replication state of MariaDB/MySQL servers over MariaDB Connector/C, one unit per
// configured server ("mysql/NAME"), plus an optional heartbeat unit ("mysql/NAME/heartbeat",
// mysql_heartbeat.cpp). Row mapping lives in mysql_status.{h,cpp}; this file is the I/O around it.

#include <set>

#include "core/collector.h"
#include "core/parse.h"
#include "mysql_config.h"
#include "mysql_connection.h"
#include "mysql_heartbeat.h"
#include "mysql_status.h"
#include "collectors/shared/replication.h"

namespace hawatch {
namespace {

using mysql::ReplicaStatus;

// What one run saw on a reachable server.
struct Observation {
  std::string server_id;
  std::string version;
  bool read_only = false;
  bool encrypted = false;
  std::vector<ReplicaStatus> sources;   // this server replicates from these (empty on a primary)
  std::set<std::string> replica_hosts;  // hosts of the Binlog Dump threads (on a primary)
};

void gauge(MetricSink& sink, std::string_view family, std::string_view help, double value,
           const std::string& name, const std::string& replica) {
  sink.gauge(family, help, value, {{"name", name}, {"replica", replica}});
}

void optional_gauge(MetricSink& sink, std::string_view family, std::string_view help,
                    const std::optional<std::uint64_t>& value, const std::string& name, const std::string& replica) {
  if (value) gauge(sink, family, help, static_cast<double>(*value), name, replica);
}

// The raw inputs behind the contract's families, so that a lag of 0 can be checked against them.
void emit_raw(MetricSink& sink, const std::string& name, const ReplicaStatus& s) {
  const std::string& r = s.label;
  gauge(sink, "hawatch_mysql_io_thread_running", "Slave_IO_Running is Yes (1) or not (0).",
        s.io_thread == mysql::IoThread::running ? 1 : 0, name, r);
  gauge(sink, "hawatch_mysql_io_thread_connecting",
        "Slave_IO_Running is Connecting (1): the replica is retrying its primary.",
        s.io_thread == mysql::IoThread::connecting ? 1 : 0, name, r);
  gauge(sink, "hawatch_mysql_sql_thread_running", "Slave_SQL_Running is Yes (1) or not (0).",
        s.sql_thread_running ? 1 : 0, name, r);
  if (s.seconds_behind_master)
    gauge(sink, "hawatch_mysql_seconds_behind_master",
          "Seconds_Behind_Master as the server reports it; absent while it is NULL (see "
          "hawatch_replication_lag_unknown).",
          *s.seconds_behind_master, name, r);
  gauge(sink, "hawatch_mysql_last_io_errno", "Last_IO_Errno (0: no error).", static_cast<double>(s.last_io_errno), name, r);
  gauge(sink, "hawatch_mysql_last_sql_errno", "Last_SQL_Errno (0: no error).", static_cast<double>(s.last_sql_errno), name, r);
  optional_gauge(sink, "hawatch_mysql_read_master_log_pos",
                 "Read_Master_Log_Pos: how far the IO thread has read the primary's binlog.",
                 s.read_master_log_pos, name, r);
  optional_gauge(sink, "hawatch_mysql_exec_master_log_pos",
                 "Exec_Master_Log_Pos: how far the SQL thread has applied the primary's binlog.",
                 s.exec_master_log_pos, name, r);
  optional_gauge(sink, "hawatch_mysql_relay_log_pos", "Relay_Log_Pos: the SQL thread's position in its relay log.",
                 s.relay_log_pos, name, r);
  optional_gauge(sink, "hawatch_mysql_relay_log_space_bytes", "Relay_Log_Space: total size of the relay logs.",
                 s.relay_log_space, name, r);
  if (s.sql_delay)
    gauge(sink, "hawatch_mysql_sql_delay_seconds", "SQL_Delay: the configured MASTER_DELAY.", *s.sql_delay, name, r);
  sink.info("hawatch_mysql_replica_info", "Where this replica replicates from, and the binlog files it reads and applies.",
            {{"connection_name", s.connection_name},
             {"master_host", s.master_host},
             {"master_log_file", s.master_log_file},
             {"master_port", std::to_string(s.master_port)},
             {"master_server_id", s.master_server_id ? std::to_string(*s.master_server_id) : ""},
             {"name", name},
             {"relay_master_log_file", s.relay_master_log_file},
             {"replica", r}});
  const std::pair<const char*, std::pair<std::uint64_t, const std::string*>> errors[] = {
      {"io", {s.last_io_errno, &s.last_io_error}}, {"sql", {s.last_sql_errno, &s.last_sql_error}}};
  for (const auto& [thread, error] : errors)
    if (error.first != 0)
      sink.info("hawatch_mysql_replica_error_info",
                "The replica thread's last error (Last_IO_Error / Last_SQL_Error); present while its errno is not 0.",
                {{"errno", std::to_string(error.first)},
                 {"error", error.second->substr(0, 300)},
                 {"name", name},
                 {"replica", r},
                 {"thread", thread}});
}

class MysqlCollector final : public Collector {
 public:
  explicit MysqlCollector(const mysql::Entry& entry)
      : name_(entry.name), connection_(entry.connection), outages_("mysql/" + entry.name) {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    Observation seen;
    try {
      seen = observe(mysql::client_deadline(ctx));
    } catch (const mysql::Error& e) {
      report_down(sink, problems, e);
      return;
    } catch (const ParseError& e) {
      connection_.close();
      report_down(sink, problems, mysql::Error(0, "unexpected reply", connection_.options().endpoint() + ": " + e.what()));
      return;
    }
    outages_.up();
    emit(sink, seen);
  }

 private:
  Observation observe(mysql::Connection::Deadline deadline) {
    Observation seen;
    const auto server = connection_.query(
        "SELECT @@server_id AS server_id, @@read_only AS read_only, VERSION() AS version", deadline);
    if (server.size() == 1) {
      seen.server_id = server[0].at("server_id").value_or("");
      seen.read_only = server[0].at("read_only").value_or("0") != "0";
      seen.version = server[0].at("version").value_or("");
    }
    seen.encrypted = connection_.encrypted();
    for (const auto& row : status_.rows(connection_, deadline))
      seen.sources.push_back(mysql::replica_status_from_row(row));
    if (seen.sources.empty()) {
      // Without the PROCESS privilege only our own threads show: the list is then empty.
      for (const auto& row : connection_.query("SELECT HOST FROM information_schema.PROCESSLIST "
                                               "WHERE COMMAND LIKE 'Binlog Dump%'",
                                               deadline))
        seen.replica_hosts.insert(mysql::replica_host_from_process_host(row.at("HOST").value_or("")));
    }
    return seen;
  }

  void emit(MetricSink& sink, const Observation& seen) {
    const bool is_replica = !seen.sources.empty();
    replication::emit_up(sink, name_, true);
    replication::emit_is_replica(sink, name_, is_replica);
    sink.gauge("hawatch_mysql_read_only", "@@read_only of the server (1: ON).", seen.read_only ? 1 : 0, {{"name", name_}});
    sink.gauge("hawatch_mysql_connection_encrypted", "Whether hawatch's session with the server uses TLS.",
               seen.encrypted ? 1 : 0, {{"name", name_}});
    sink.info("hawatch_mysql_server_info", "Server version and @@server_id.",
              {{"name", name_}, {"server_id", seen.server_id}, {"version", seen.version}});
    std::set<std::string> labels;
    for (const auto& s : seen.sources) {
      if (!labels.insert(s.label).second) continue;  // two sources on one host:port; keep the first
      replication::emit_connected(sink, name_, s.label, s.io_thread == mysql::IoThread::running);
      replication::emit_lag_seconds(sink, name_, s.label, s.lag_seconds());
      emit_raw(sink, name_, s);
    }
    if (!is_replica) {
      sink.gauge("hawatch_mysql_connected_replicas", "Replicas reading this primary's binlog (Binlog Dump threads).",
                 static_cast<double>(seen.replica_hosts.size()), {{"name", name_}});
      // A replica seen before and gone now reads connected 0 rather than vanishing.
      served_replicas_.insert(seen.replica_hosts.begin(), seen.replica_hosts.end());
      for (const auto& host : served_replicas_)
        replication::emit_connected(sink, name_, host, seen.replica_hosts.contains(host));
    } else {
      served_replicas_.clear();
    }
    last_sources_ = std::move(labels);
  }

  // The server is unreachable: up 0 with the reason, and the streams we knew read disconnected
  // with an unknown lag instead of vanishing.
  void report_down(MetricSink& sink, std::vector<CollectProblem>& problems, const mysql::Error& e) {
    problems.push_back({"mysql/" + name_ + ": " + e.what()});
    outages_.down(e);
    replication::emit_up(sink, name_, false);
    sink.info("hawatch_mysql_error_info", "Why hawatch_replication_up is 0; present only while it is.",
              {{"errno", std::to_string(e.code())}, {"name", name_}, {"reason", e.reason()}});
    for (const auto& label : last_sources_) {
      replication::emit_connected(sink, name_, label, false);
      replication::emit_lag_seconds(sink, name_, label, std::nullopt);
    }
    for (const auto& host : served_replicas_) replication::emit_connected(sink, name_, host, false);
  }

  std::string name_;
  mysql::Connection connection_;
  mysql::StatusQuery status_;
  mysql::OutageLog outages_;
  std::set<std::string> last_sources_;     // the sources (replica side) of the last good run
  std::set<std::string> served_replicas_;  // replica hosts this primary has served
};

CollectorDescriptor mysql_descriptor() {
  CollectorDescriptor d;
  d.name = "mysql";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  // Without a config section there is nothing to watch; the section turns it on.
  d.source_exists = [](const Environment&) { return false; };
  d.create_units = [](const CollectorArgs& args) {
    std::vector<CollectorUnit> units;
    for (const auto& entry : mysql::read_entries(args)) {
      units.push_back({"mysql/" + entry.name, std::make_unique<MysqlCollector>(entry), entry.interval, entry.timeout});
      if (entry.heartbeat)
        units.push_back({"mysql/" + entry.name + "/heartbeat", mysql::make_heartbeat_collector(entry),
                         entry.heartbeat->interval, entry.heartbeat->timeout.value_or(entry.heartbeat->interval)});
    }
    return units;
  };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(mysql, hawatch::mysql_descriptor)
