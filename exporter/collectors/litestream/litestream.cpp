// litestream: is the SQLite database's litestream replica fresh? Per entry of
// `collectors.litestream`: the local database (readable, sizes, last write), the `file` replica
// directory (generations, newest write, lag in seconds: see litestream_lag.h) and litestream's own
// /metrics re-exported per database (sync counts and errors, WAL sizes, positions).

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include "collectors/shared/http_client.h"
#include "collectors/shared/replication.h"
#include "core/collector.h"
#include "core/entry_list.h"
#include "core/file_io.h"
#include "core/prom_text.h"
#include "core/url_redact.h"
#include "litestream_lag.h"
#include "litestream_metrics.h"
#include "litestream_replica.h"
#include "litestream_sources.h"

namespace hawatch::litestream {
namespace {

struct Options {
  std::string name;
  std::string db_path;       // as written: litestream's db label names it so
  std::string db_file;       // as seen through --path.rootfs
  std::string replica_path;  // as written, for the replica label; empty: not configured
  std::string replica_dir;   // as seen through --path.rootfs
  std::string metrics_url;   // empty: not configured
  net::TlsOptions tls;
};

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The lag state of one (name, database, replica), kept for the life of the process: a config
// reload (SIGHUP) builds new collectors, and a reload during an outage must not reset a growing
// lag to 0. Entries removed from the config leave a few bytes behind.
struct SharedLag {
  std::mutex mutex;  // an old and a new collector may overlap for a moment during a reload
  LagTracker tracker;
};

std::shared_ptr<SharedLag> lag_state_for(const Options& o) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<SharedLag>> states;
  const std::lock_guard lock(mutex);
  auto& state = states[o.name + '\0' + o.db_file + '\0' + o.replica_dir];
  if (!state) state = std::make_shared<SharedLag>();
  return state;
}

class LitestreamCollector final : public Collector {
 public:
  explicit LitestreamCollector(Options o) : o_(std::move(o)), lag_(lag_state_for(o_)) {}

  void collect(const CollectContext& ctx, MetricSink& sink,
               std::vector<CollectProblem>& problems) override {
    const std::optional<LocalDb> local = collect_local(sink, problems);
    if (!o_.replica_dir.empty()) collect_replica(local, sink, problems);
    if (!o_.metrics_url.empty()) collect_metrics(ctx, sink, problems);
  }

 private:
  std::optional<LocalDb> collect_local(MetricSink& sink, std::vector<CollectProblem>& problems) {
    const Labels labels{{"name", o_.name}};
    std::optional<LocalDb> local;
    try {
      local = read_local_db(o_.db_file);
    } catch (const IoError& e) {
      problems.push_back({"litestream/" + o_.name + ": database: " + e.what()});
    }
    replication::emit_up(sink, o_.name, local.has_value());
    if (!local) return local;
    sink.gauge("hawatch_sqlite_db_size_bytes", "Size of the local SQLite database file.",
               static_cast<double>(local->db_bytes), labels);
    sink.gauge("hawatch_sqlite_wal_size_bytes", "Size of the database's -wal file (0: none).",
               static_cast<double>(local->wal_bytes), labels);
    sink.gauge("hawatch_sqlite_last_write_timestamp_seconds",
               "Last write to the local database: mtime of its -wal file, or of the database file "
               "when there is no -wal file.",
               local->last_write_seconds, labels);
    return local;
  }

  void collect_replica(const std::optional<LocalDb>& local, MetricSink& sink,
                       std::vector<CollectProblem>& problems) {
    const Labels labels{{"name", o_.name}, {"replica", o_.replica_path}};
    std::optional<ReplicaState> replica;
    try {
      replica = scan_file_replica(o_.replica_dir);
      if (!replica->newest_write_seconds)
        problems.push_back({"litestream/" + o_.name + ": replica " + o_.replica_path +
                            ": no snapshot or WAL segment written yet"});
    } catch (const IoError& e) {
      problems.push_back({"litestream/" + o_.name + ": replica: " + e.what()});
    }
    sink.gauge("hawatch_litestream_replica_readable",
               "Whether the replica directory could be read this run (0: lag unknown).",
               replica ? 1 : 0, labels);
    if (replica) {
      sink.gauge("hawatch_litestream_replica_generations", "Generations in the replica directory.",
                 static_cast<double>(replica->generations), labels);
      sink.gauge("hawatch_litestream_replica_last_write_timestamp_seconds",
                 "mtime of the replica's newest snapshot or WAL segment (0: none yet).",
                 replica->newest_write_seconds.value_or(0), labels);
    }
    const std::lock_guard lock(lag_->mutex);
    auto lag = lag_->tracker.observe(
        now_seconds(), local ? std::optional(local->last_write_seconds) : std::nullopt,
        replica ? replica->newest_write_seconds : std::nullopt);
    // Without the local database nobody knows what the replica lacks: unknown, never 0.
    if (!local) lag.reset();
    replication::emit_lag_seconds(sink, o_.name, o_.replica_path, lag);
  }

  void collect_metrics(const CollectContext& ctx, MetricSink& sink,
                       std::vector<CollectProblem>& problems) {
    const Labels labels{{"name", o_.name}};
    DbMetrics db;
    try {
      // Give up a little before the scheduler does, so that a frozen litestream still yields
      // this run's series (metrics_up 0, the lag) instead of a discarded run.
      const auto margin = std::clamp(ctx.remaining() / 5, std::chrono::milliseconds(20),
                                     std::chrono::milliseconds(200));
      const auto text = plugins::parse_prometheus_text(
          fetch_metrics(o_.metrics_url, o_.tls, ctx.deadline - margin));
      db = select_db_metrics(text, o_.db_path);
      if (!db.found) {
        std::string served;
        for (const auto& s : db.served) served += (served.empty() ? "" : ", ") + s;
        problems.push_back({"litestream/" + o_.name + ": " + redact_urls(o_.metrics_url) +
                            " reports no database " + o_.db_path +
                            " (it reports: " + (served.empty() ? "none" : served) + ")"});
      }
    } catch (const std::runtime_error& e) {
      problems.push_back({"litestream/" + o_.name + ": metrics: " + e.what()});
    }
    sink.gauge("hawatch_litestream_metrics_up",
               "Whether litestream's /metrics answered and reported this database.",
               db.found ? 1 : 0, labels);
    for (auto& s : db.series) {
      Labels l = labels;
      l.insert(l.end(), s.labels.begin(), s.labels.end());
      if (s.counter)
        sink.counter(s.name, s.help, s.value, std::move(l));
      else
        sink.gauge(s.name, s.help, s.value, std::move(l));
    }
  }

  Options o_;
  std::shared_ptr<SharedLag> lag_;
};

bool has_userinfo(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), &curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  char* user = nullptr;
  const bool found = curl_url_get(u.get(), CURLUPART_USER, &user, 0) == CURLUE_OK && user;
  curl_free(user);
  return found;
}

// A required absolute path; reported at `key` (or at the entry when missing).
std::optional<std::string> read_path(MapReader& r, const YAML::Node& entry, const std::string& key,
                                     bool required) {
  const auto path = r.string(key);
  if (!path) {
    if (required && !r.has(key))
      r.context().error(entry, "\"" + r.where() + "." + key + "\" is required");
    return std::nullopt;
  }
  if (path->empty() || path->front() != '/') {
    r.context().error(r.node(key), "\"" + r.where() + "." + key + "\" must be an absolute path");
    return std::nullopt;
  }
  return path;
}

std::optional<CollectorUnit> read_entry(const YAML::Node& entry, const std::string& where,
                                        const CollectorArgs& args, std::set<std::string>& names) {
  MapReader r(entry, args.ctx, where);
  if (!entry.IsMap()) {
    if (r.valid())
      args.ctx.error(
          entry,
          where + ": expected { name: ..., db_path: ..., replica_path: ..., metrics_url: ... }");
    return std::nullopt;
  }
  bool ok = true;
  Options o;
  const auto head = read_entry_head(r, entry, "litestream", names, LongTimeout::clamp);
  if (head) o.name = head->name;
  ok = head.has_value();
  const auto db = read_path(r, entry, "db_path", true);
  const auto replica = read_path(r, entry, "replica_path", false);
  ok = ok && db && (replica || !r.has("replica_path"));
  if (db) {
    o.db_path = *db;
    o.db_file = args.env.root(*db).string();
  }
  if (replica) {
    o.replica_path = *replica;
    o.replica_dir = args.env.root(*replica).string();
  }
  if (const auto url = r.string("metrics_url")) {
    if (!net::check_http_url(*url, r.node("metrics_url"), args.ctx, where + ".metrics_url")) {
      ok = false;
    } else if (has_userinfo(*url)) {
      // It would show in every error message; litestream's /metrics has no authentication anyway.
      args.ctx.error(r.node("metrics_url"),
                     "\"" + where + ".metrics_url\" must not hold credentials");
      ok = false;
    } else {
      o.metrics_url = *url;
    }
  }
  if (!r.has("replica_path") && !r.has("metrics_url")) {
    args.ctx.error(entry, "\"" + where + "\" needs replica_path, metrics_url or both");
    ok = false;
  }
  o.tls = net::read_tls_options(r);
  r.finish();
  if (!ok || !args.ctx.ok()) return std::nullopt;
  const std::string unit = "litestream/" + o.name;
  return CollectorUnit{unit, std::make_unique<LitestreamCollector>(std::move(o)), head->interval,
                       head->timeout};
}

CollectorDescriptor litestream_descriptor() {
  CollectorDescriptor d;
  d.name = "litestream";
  d.default_enablement = Enablement::automatic;
  d.source_exists = [](const Environment&) { return false; };  // on when the config lists databases
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  d.create_units = [](const CollectorArgs& args) {
    return read_entry_list(args, "a list, e.g. - { name: amslpr, db_path: ..., replica_path: ... }",
                           [&](const YAML::Node& entry, const std::string& where, auto& names) {
                             return read_entry(entry, where, args, names);
                           });
  };
  return d;
}

}  // namespace
}  // namespace hawatch::litestream

HAWATCH_REGISTER_COLLECTOR(litestream, hawatch::litestream::litestream_descriptor)
