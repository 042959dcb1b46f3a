#include "audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/log.h"
#include "core/unique_fd.h"
#include "model/alert.h"
#include "model/json_writer.h"

namespace hawatch::alerting::failover {

std::string audit_json(const std::string& group, const Decision& d) {
  JsonWriter w;
  w.begin_object()
      .key("time")
      .value(format_rfc3339(d.at))
      .key("group")
      .value(group)
      .key("action")
      .value(d.action)
      .key("from")
      .value(to_string(d.from))
      .key("to")
      .value(to_string(d.to))
      .key("reason")
      .value(d.reason);
  if (d.result) w.key("result").value(to_string(*d.result));
  if (!d.detail.empty()) w.key("detail").value(d.detail);
  w.key("transition").value(d.transition).key("dry_run").value(d.dry_run).end_object();
  return w.take();
}

void AuditLog::write(const std::string& group, const Decision& d) {
  const bool loud = d.transition || d.action == "split_brain_guard" || d.action == "gave_up" ||
                    d.action == "not_verified";
  log::write(loud ? log::Level::warn : log::Level::info, "failover decision",
             {{"group", group},
              {"action", d.action},
              {"from", std::string(to_string(d.from))},
              {"to", std::string(to_string(d.to))},
              {"reason", d.reason},
              {"result", d.result ? std::string(to_string(*d.result)) : std::string()},
              {"detail", d.detail},
              {"dry_run", d.dry_run ? "true" : "false"}});
  if (path_.empty()) return;
  const std::string line = audit_json(group, d) + "\n";
  std::lock_guard lock(mutex_);
  std::error_code ec;
  if (std::filesystem::file_size(path_, ec) > kMaxBytes && !ec)
    std::filesystem::rename(path_, path_.string() + ".1", ec);
  UniqueFd fd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  // One write(2) of the whole line to an O_APPEND file: lines never interleave.
  if (fd.get() < 0 ||
      ::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    log::warn("cannot write the failover audit log", {{"file", path_.string()}});
}

}  // namespace hawatch::alerting::failover
