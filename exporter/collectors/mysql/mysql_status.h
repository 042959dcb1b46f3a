#pragma once
// Pure mapping of MariaDB/MySQL replication status rows (SHOW [ALL] SLAVES STATUS, SHOW REPLICA
// STATUS) to a ReplicaStatus, and of a heartbeat table name to a quoted identifier. No I/O: the
// collector feeds rows it read with libmariadb; the tests feed rows from fixture text.
//
// Columns are read by name, in both spellings: MySQL 8.0.22+ says Replica_/Source_ (and
// Seconds_Behind_Source, Channel_Name), MariaDB and older MySQL say Slave_/Master_.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::mysql {

// One result row: column name → value; std::nullopt is SQL NULL.
using Row = std::map<std::string, std::optional<std::string>, std::less<>>;

// Slave_IO_Running: "Yes", "Connecting" (retrying the primary), or "No" (stopped).
enum class IoThread { running, connecting, stopped };

struct ReplicaStatus {
  std::string label;            // connection/channel name, else master_host:master_port
  std::string connection_name;  // MariaDB Connection_name / MySQL Channel_Name ("" = default)
  std::string master_host;
  std::uint64_t master_port = 0;
  std::optional<std::uint64_t> master_server_id;  // absent or 0 before the first connect
  IoThread io_thread = IoThread::stopped;
  bool sql_thread_running = false;
  std::optional<double> seconds_behind_master;  // NULL → nullopt, exported raw
  std::uint64_t last_io_errno = 0;
  std::uint64_t last_sql_errno = 0;
  std::string last_io_error;
  std::string last_sql_error;
  std::string master_log_file;        // binlog the IO thread reads
  std::string relay_master_log_file;  // binlog of the event the SQL thread executed last
  std::optional<std::uint64_t> read_master_log_pos;
  std::optional<std::uint64_t> exec_master_log_pos;
  std::optional<std::uint64_t> relay_log_pos;
  std::optional<std::uint64_t> relay_log_space;
  std::optional<double> sql_delay;  // configured MASTER_DELAY

  // The contract's lag in seconds: only while both threads run and the server gives a number.
  // A stopped thread makes the server's own value NULL or stale, so it is "unknown", never 0.
  std::optional<double> lag_seconds() const;
};

// Throws ParseError (source "replication status") when the thread columns are missing or a
// numeric column holds something that is not a number.
ReplicaStatus replica_status_from_row(const Row& row);

// A heartbeat table: "table" or "schema.table", each part 1–64 of [A-Za-z0-9_$], not all digits.
struct TableName {
  std::optional<std::string> schema;
  std::string table;
  // `schema`.`table` (or `table`); safe to put into SQL because the parts were validated.
  std::string quoted() const;
};
std::optional<TableName> parse_table_name(std::string_view text);

// The replicas a primary serves, from the Host column of its Binlog Dump threads
// ("127.0.0.1:53422", "[::1]:53422", "db2:53422"): the host without the client port.
std::string replica_host_from_process_host(std::string_view host);

}  // namespace hawatch::mysql
