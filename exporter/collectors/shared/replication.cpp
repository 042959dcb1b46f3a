#include "replication.h"

namespace hawatch::replication {

void emit_up(MetricSink& sink, const std::string& name, bool up) {
  sink.gauge("hawatch_replication_up",
             "Whether the database answered this collection (0: unreachable, login refused, query "
             "failed).",
             up ? 1 : 0, {{"name", name}});
}

void emit_is_replica(MetricSink& sink, const std::string& name, bool is_replica) {
  sink.gauge("hawatch_replication_is_replica", "1 when this database is a standby/replica, 0 on a primary.",
             is_replica ? 1 : 0, {{"name", name}});
}

void emit_connected(MetricSink& sink, const std::string& name, const std::string& replica,
                    bool connected) {
  sink.gauge("hawatch_replication_connected",
             "Whether the replication stream between primary and replica is connected.",
             connected ? 1 : 0, {{"name", name}, {"replica", replica}});
}

void emit_lag_seconds(MetricSink& sink, const std::string& name, const std::string& replica,
                      std::optional<double> seconds) {
  const Labels labels{{"name", name}, {"replica", replica}};
  if (seconds)
    sink.gauge("hawatch_replication_lag_seconds",
               "How far the replica's applied data is behind the primary, in seconds.", *seconds, labels);
  sink.gauge("hawatch_replication_lag_unknown",
             "1 when the lag in seconds cannot be measured (replica threads stopped, no replay "
             "yet, no replica write): hawatch_replication_lag_seconds is then absent, never 0.",
             seconds ? 0 : 1, labels);
}

void emit_lag_bytes(MetricSink& sink, const std::string& name, const std::string& replica,
                    double bytes) {
  sink.gauge("hawatch_replication_lag_bytes",
             "How many bytes of the primary's log the replica has not applied yet.", bytes,
             {{"name", name}, {"replica", replica}});
}

void emit_heartbeat_age(MetricSink& sink, const std::string& name, double seconds) {
  sink.gauge("hawatch_replication_heartbeat_age_seconds",
             "Seconds since the newest heartbeat row written on the primary (as seen on this node).",
             seconds, {{"name", name}});
}

}  // namespace hawatch::replication
