#pragma once
// What the postgres, mysql and litestream collectors share: the contract's hawatch_replication_*
// families, emitted the same way by every engine so that dashboards and rules need not care which
// engine replicates.
//
// The rule all three follow: a lag that cannot be measured is never reported as 0 and never simply
// left out. It is reported as hawatch_replication_lag_unknown{...} 1 next to the raw inputs, so
// "replication blocked" cannot read as "no lag" (postgres_exporter #977, mysqld_exporter on NULL).

#include <optional>
#include <string>

#include "core/metric_sink.h"

namespace hawatch::replication {

// hawatch_replication_up{name}: whether the database answered this run.
void emit_up(MetricSink& sink, const std::string& name, bool up);

// hawatch_replication_is_replica{name}: 1 on a standby/replica, 0 on a primary.
void emit_is_replica(MetricSink& sink, const std::string& name, bool is_replica);

// hawatch_replication_connected{name,replica}.
void emit_connected(MetricSink& sink, const std::string& name, const std::string& replica,
                    bool connected);

// hawatch_replication_lag_seconds{name,replica} when known, and always
// hawatch_replication_lag_unknown{name,replica} (1 when the seconds could not be measured).
void emit_lag_seconds(MetricSink& sink, const std::string& name, const std::string& replica,
                      std::optional<double> seconds);

// hawatch_replication_lag_bytes{name,replica}.
void emit_lag_bytes(MetricSink& sink, const std::string& name, const std::string& replica,
                    double bytes);

// hawatch_replication_heartbeat_age_seconds{name}: now minus the newest heartbeat the primary wrote.
void emit_heartbeat_age(MetricSink& sink, const std::string& name, double seconds);

}  // namespace hawatch::replication
