#pragma once
// The MariaDB/MySQL heartbeat (pt-heartbeat style): on a primary, upsert one row keyed by
// @@server_id with the server's UTC time (microseconds); on a replica, read the row of each
// source's server id and report hawatch_replication_heartbeat_age_seconds = now - ts, both on
// the database's clock. The one lag number that holds whatever the replication threads claim.

#include <memory>

#include "core/collector.h"
#include "mysql_config.h"

namespace hawatch::mysql {

// For an entry with a heartbeat section.
std::unique_ptr<Collector> make_heartbeat_collector(const Entry& entry);

}  // namespace hawatch::mysql
