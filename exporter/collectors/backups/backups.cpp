// backups: is there a recent, usable backup? Per entry of `collectors.backups`: the newest file
// matching a glob, its age, size, the number of files, staleness against max_age, and optionally
// whether the newest SQLite backup opens and passes PRAGMA quick_check.

#include <algorithm>
#include <filesystem>
#include <limits>
#include <set>

#include "backup_files.h"
#include "backup_verify.h"
#include "core/collector.h"
#include "core/log.h"
#include "core/entry_list.h"

namespace hawatch::backup {
namespace {

struct BackupOptions {
  std::string name;
  std::string pattern;  // as seen through --path.rootfs
  Duration max_age{};
  bool verify_sqlite = false;
  std::string temp_dir;
};

class BackupCollector final : public Collector {
 public:
  explicit BackupCollector(BackupOptions o) : o_(std::move(o)) {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>&) override {
    const Labels labels{{"backup", o_.name}};
    // An unreadable directory throws: that is a real failure (collector_success 0), not "no backups".
    const BackupSet set = summarise(find_backups(o_.pattern));
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const double max_age = std::chrono::duration<double>(o_.max_age).count();
    const double age = set.newest ? std::max(0.0, now - set.newest->mtime_seconds)
                                  : std::numeric_limits<double>::infinity();
    sink.gauge("hawatch_backup_files", "Files matching the backup's glob.", static_cast<double>(set.count),
               labels);
    sink.gauge("hawatch_backup_total_size_bytes", "Total size of the files matching the glob.",
               static_cast<double>(set.total_bytes), labels);
    sink.gauge("hawatch_backup_last_timestamp_seconds",
               "Modification time of the newest backup (0: none found).",
               set.newest ? set.newest->mtime_seconds : 0, labels);
    sink.gauge("hawatch_backup_size_bytes", "Size of the newest backup (0: none found).",
               set.newest ? static_cast<double>(set.newest->size_bytes) : 0, labels);
    sink.gauge("hawatch_backup_age_seconds", "Age of the newest backup (+Inf: none found).", age, labels);
    sink.gauge("hawatch_backup_max_age_seconds", "The configured max_age.", max_age, labels);
    sink.gauge("hawatch_backup_stale", "1 when there is no backup younger than max_age.",
               age > max_age ? 1 : 0, labels);
    if (o_.verify_sqlite) verify(set, ctx, sink, labels);
  }

 private:
  void verify(const BackupSet& set, const CollectContext& ctx, MetricSink& sink, const Labels& labels) {
    if (!set.newest) {
      last_ = {};
      remember({false, "no backup found"});
    } else if (set.newest->path != last_.path || set.newest->mtime_seconds != last_.mtime_seconds ||
               set.newest->size_bytes != last_.size_bytes || result_.detail == kTimedOut) {
      // Verifying can take a while on a large database: only when the newest file changed.
      // Stop a little before the scheduler's deadline so a slow check still reports its series.
      const auto margin = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(200),
                                                               ctx.remaining() / 10);
      auto result = verify_sqlite_backup(set.newest->path, o_.temp_dir, ctx.deadline - margin);
      if (!result.ok && result.detail.find("timed out") != std::string::npos) result.detail = kTimedOut;
      last_ = *set.newest;
      remember(result);
    }
    sink.gauge("hawatch_backup_verify_success",
               "Whether the newest backup opens as SQLite and passes PRAGMA quick_check.",
               result_.ok ? 1 : 0, labels);
  }

  void remember(VerifyResult result) {
    if (!result.ok && result.detail != result_.detail)
      log::warn("backup verification failed",
                {{"backup", o_.name}, {"file", last_.path}, {"err", result.detail}});
    result_ = std::move(result);
  }

  static constexpr const char* kTimedOut = "timed out";
  BackupOptions o_;
  BackupFile last_;
  VerifyResult result_;
};

std::optional<CollectorUnit> read_backup(const YAML::Node& entry, const std::string& where,
                                         const CollectorArgs& args, std::set<std::string>& names) {
  MapReader r(entry, args.ctx, where);
  if (!entry.IsMap()) {
    if (r.valid()) args.ctx.error(entry, where + ": expected { name: ..., path_glob: ..., max_age: ... }");
    return std::nullopt;
  }
  bool ok = true;
  BackupOptions o;
  auto required = [&](const std::string& key) {
    if (!r.node(key).IsDefined() || r.node(key).IsNull()) {
      args.ctx.error(entry, "\"" + where + "." + key + "\" is required");
      ok = false;
    }
  };
  const auto head = read_entry_head(r, entry, "backup", names, LongTimeout::clamp);
  if (!head) ok = false;
  required("path_glob");
  required("max_age");
  if (head) o.name = head->name;
  const std::string pattern = r.string("path_glob").value_or("");
  if (!pattern.empty() && pattern.front() != '/') {
    args.ctx.error(r.node("path_glob"), "\"" + where + ".path_glob\" must be an absolute path");
    ok = false;
  }
  o.pattern = args.env.root(pattern).string();
  const auto max_age = r.duration("max_age");
  if (max_age && max_age->count() <= 0) {
    args.ctx.error(r.node("max_age"), "\"" + where + ".max_age\" must be positive");
    ok = false;
  }
  o.max_age = max_age.value_or(Duration{});
  o.verify_sqlite = r.boolean("verify_sqlite").value_or(false);
  o.temp_dir = r.string("verify_temp_dir").value_or(std::filesystem::temp_directory_path().string());
  r.finish();
  if (!ok || !head || pattern.empty() || !max_age) return std::nullopt;
  const std::string unit = "backups/" + o.name;
  return CollectorUnit{unit, std::make_unique<BackupCollector>(std::move(o)), head->interval,
                       head->timeout};
}

CollectorDescriptor backups_descriptor() {
  CollectorDescriptor d;
  d.name = "backups";
  d.default_enablement = Enablement::automatic;
  d.source_exists = [](const Environment&) { return false; };  // on when the config lists backups
  d.default_interval = std::chrono::minutes(1);
  d.default_timeout = std::chrono::seconds(30);  // a quick_check of a large backup takes a while
  d.create_units = [](const CollectorArgs& args) {
    return read_entry_list(args, "a list, e.g. - { name: db, path_glob: ..., max_age: 26h }",
                           [&](const YAML::Node& entry, const std::string& where, auto& names) {
                             return read_backup(entry, where, args, names);
                           });
  };
  return d;
}

}  // namespace
}  // namespace hawatch::backup

HAWATCH_REGISTER_COLLECTOR(backups, hawatch::backup::backups_descriptor)
