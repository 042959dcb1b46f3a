#include "mysql_status.h"

#include <algorithm>
#include <initializer_list>

#include "core/parse.h"

namespace hawatch::mysql {
namespace {

constexpr std::string_view kSource = "replication status";

// The value of the first of `names` the row has (NULL → nullopt); nullopt too when none is there.
std::optional<std::string> column(const Row& row, std::initializer_list<std::string_view> names) {
  for (const auto name : names)
    if (const auto it = row.find(name); it != row.end()) return it->second;
  return std::nullopt;
}

bool has_column(const Row& row, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return row.contains(n); });
}

std::string text(const Row& row, std::initializer_list<std::string_view> names) {
  return column(row, names).value_or("");
}

std::optional<std::uint64_t> unsigned_column(const Row& row, std::initializer_list<std::string_view> names) {
  const auto value = column(row, names);
  if (!value || trim(*value).empty()) return std::nullopt;
  const auto number = to_uint64(trim(*value));
  if (!number)
    throw ParseError(kSource, std::string(*names.begin()) + ": not a number: \"" + value->substr(0, 40) + "\"");
  return number;
}

// Signed: old servers could report a negative Seconds_Behind_Master under clock skew, and that
// is worth seeing rather than failing the run.
std::optional<double> seconds_column(const Row& row, std::initializer_list<std::string_view> names) {
  const auto value = column(row, names);
  if (!value || trim(*value).empty()) return std::nullopt;
  const auto number = to_int64(trim(*value));
  if (!number)
    throw ParseError(kSource, std::string(*names.begin()) + ": not a number: \"" + value->substr(0, 40) + "\"");
  return static_cast<double>(*number);
}

IoThread io_thread_from(const std::optional<std::string>& value) {
  if (value == "Yes") return IoThread::running;
  if (value == "Connecting" || value == "Preparing") return IoThread::connecting;
  return IoThread::stopped;
}

bool part_valid(std::string_view part) {
  if (part.empty() || part.size() > 64) return false;
  bool all_digits = true;
  for (const char c : part) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!digit && !letter && c != '_' && c != '$') return false;
    all_digits = all_digits && digit;
  }
  return !all_digits;
}

}  // namespace

std::optional<double> ReplicaStatus::lag_seconds() const {
  if (io_thread != IoThread::running || !sql_thread_running) return std::nullopt;
  return seconds_behind_master;
}

ReplicaStatus replica_status_from_row(const Row& row) {
  if (!has_column(row, {"Slave_IO_Running", "Replica_IO_Running"}) ||
      !has_column(row, {"Slave_SQL_Running", "Replica_SQL_Running"}))
    throw ParseError(kSource, "no Slave_IO_Running/Replica_IO_Running and Slave_SQL_Running/"
                              "Replica_SQL_Running columns");
  ReplicaStatus s;
  s.connection_name = text(row, {"Connection_name", "Channel_Name", "Channel_name"});
  s.master_host = text(row, {"Master_Host", "Source_Host"});
  s.master_port = unsigned_column(row, {"Master_Port", "Source_Port"}).value_or(0);
  s.master_server_id = unsigned_column(row, {"Master_Server_Id", "Source_Server_Id"});
  if (s.master_server_id == 0u) s.master_server_id.reset();
  s.io_thread = io_thread_from(column(row, {"Slave_IO_Running", "Replica_IO_Running"}));
  s.sql_thread_running = column(row, {"Slave_SQL_Running", "Replica_SQL_Running"}) == "Yes";
  s.seconds_behind_master = seconds_column(row, {"Seconds_Behind_Master", "Seconds_Behind_Source"});
  s.last_io_errno = unsigned_column(row, {"Last_IO_Errno"}).value_or(0);
  s.last_sql_errno = unsigned_column(row, {"Last_SQL_Errno"}).value_or(0);
  s.last_io_error = text(row, {"Last_IO_Error"});
  s.last_sql_error = text(row, {"Last_SQL_Error"});
  s.master_log_file = text(row, {"Master_Log_File", "Source_Log_File"});
  s.relay_master_log_file = text(row, {"Relay_Master_Log_File", "Relay_Source_Log_File"});
  s.read_master_log_pos = unsigned_column(row, {"Read_Master_Log_Pos", "Read_Source_Log_Pos"});
  s.exec_master_log_pos = unsigned_column(row, {"Exec_Master_Log_Pos", "Exec_Source_Log_Pos"});
  s.relay_log_pos = unsigned_column(row, {"Relay_Log_Pos"});
  s.relay_log_space = unsigned_column(row, {"Relay_Log_Space"});
  s.sql_delay = seconds_column(row, {"SQL_Delay"});
  s.label = !s.connection_name.empty() ? s.connection_name
                                       : s.master_host + ":" + std::to_string(s.master_port);
  return s;
}

std::string TableName::quoted() const {
  const std::string t = "`" + table + "`";
  return schema ? "`" + *schema + "`." + t : t;
}

std::optional<TableName> parse_table_name(std::string_view text) {
  const auto dot = text.find('.');
  TableName name;
  if (dot == std::string_view::npos) {
    name.table = std::string(text);
  } else {
    name.schema = std::string(text.substr(0, dot));
    name.table = std::string(text.substr(dot + 1));
    if (!part_valid(*name.schema)) return std::nullopt;
  }
  if (!part_valid(name.table)) return std::nullopt;
  return name;
}

std::string replica_host_from_process_host(std::string_view host) {
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    return std::string(close == std::string_view::npos ? host : host.substr(1, close - 1));
  }
  // One colon: host:port. Several (a bare IPv6 address): no port to strip.
  const auto colon = host.rfind(':');
  if (colon == std::string_view::npos || host.find(':') != colon) return std::string(host);
  return std::string(host.substr(0, colon));
}

}  // namespace hawatch::mysql
