#pragma once
// The `collectors.mysql` list: one entry per MariaDB/MySQL server to watch.
//   - { name: db2, host: H, port: P, user: U, password_file: F | password_env: VAR, socket: PATH,
//       database: DB, tls: { ca_file: F, cert_file: F, key_file: F, insecure_skip_verify: false },
//       heartbeat: { table: [DB.]TABLE, interval: 1s, timeout: 1s },
//       interval: 15s, timeout: 5s }

#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"
#include "mysql_status.h"

namespace hawatch::mysql {

// TLS to the server: required once configured, the server's certificate verified against
// ca_file (or the system's CAs) unless insecure_skip_verify.
struct TlsOptions {
  std::optional<std::string> ca_file;
  std::optional<std::string> cert_file;  // client certificate, with key_file
  std::optional<std::string> key_file;
  bool insecure_skip_verify = false;
};

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::optional<std::string> socket;  // unix socket; when set, host and port are not used
  std::string user;
  std::optional<std::string> password;  // a secret: never logged, never in a message
  std::optional<std::string> database;  // default schema of the connection
  std::optional<TlsOptions> tls;

  // "127.0.0.1:3306" or "unix:/run/mysqld/mysqld.sock", for messages.
  std::string endpoint() const;
};

struct HeartbeatOptions {
  TableName table;
  Duration interval = std::chrono::seconds(1);
  std::optional<Duration> timeout;
};

struct Entry {
  std::string name;
  ConnectionOptions connection;
  std::optional<HeartbeatOptions> heartbeat;  // present: this entry writes/reads a heartbeat
  std::optional<Duration> interval;
  std::optional<Duration> timeout;
};

// Reads and validates the section; errors go to args.ctx with their positions, and only valid
// entries are returned. Password files and variables are read here, so --check-config sees them.
std::vector<Entry> read_entries(const CollectorArgs& args);

}  // namespace hawatch::mysql
