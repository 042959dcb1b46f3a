#pragma once
// The PostgreSQL heartbeat (pt-heartbeat style), scheduled as its own unit
// "postgres/<name>/heartbeat" on heartbeat.interval. On a primary it upserts one row
// (key = this node's name, ts = the database's clock_timestamp()); on a standby it reads the newest
// row and reports hawatch_replication_heartbeat_age_seconds — true whatever the engine's own lag
// columns say, because the row only changes on the standby once replay has applied it.

#include <memory>
#include <string>

#include "core/collector.h"
#include "postgres_config.h"

namespace hawatch::pg {

// `key`: the row this node writes when it is the primary (global.node_name, or the entry name).
std::unique_ptr<Collector> make_heartbeat_collector(const EntryConfig& entry, std::string key);

}  // namespace hawatch::pg
