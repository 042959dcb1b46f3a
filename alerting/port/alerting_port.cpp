#include "alerting_port.h"

#include <mutex>
#include <stdexcept>

#include "core/config_reader.h"
#include "core/module_loader.h"
#include "model/json_writer.h"

namespace hawatch::alerting {
namespace {

constexpr const char* kAlertingModule = "alerting";

// Written by a static initialiser (at dlopen time, or before main in a binary that links the
// module's code), read after require_alerting_module returned.
struct Registry {
  std::mutex mutex;
  AlertingEntryPoints entry_points;
};

Registry& registry() {
  static Registry r;
  return r;
}

bool registered() {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  return r.entry_points.plan && r.entry_points.start;
}

[[noreturn]] void throw_at_section(const Config& config, const std::string& why) {
  const YAML::Mark mark = config.alerting.Mark();
  throw ConfigError(
      {ConfigDiagnostic{config.source, mark.line + 1, mark.column + 1, "alerting: " + why}});
}

HttpReply json_error(int status, const std::string& message) {
  std::string body;
  append_json_string(body, message);
  return {status, "application/json", body + "\n", {}};
}

}  // namespace

bool register_alerting_module(AlertingEntryPoints entry_points) {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  r.entry_points = entry_points;
  return true;
}

bool wants_alerting(const Config& config) {
  return config.alerting.IsDefined() && !config.alerting.IsNull();
}

const AlertingEntryPoints& require_alerting_module(const Config& config) {
  if (!registered()) {
    try {
      load_module(kAlertingModule);
    } catch (const std::exception& e) {
      throw_at_section(config, e.what());  // "cannot load module <dir>/alerting.so: <dlerror>"
    }
    if (!registered())
      throw_at_section(config,
                       "module " +
                           (module_directory() / (std::string(kAlertingModule) + ".so")).string() +
                           " registered no alerting entry points");
  }
  // Registered once, never changed afterwards: the reference stays valid.
  return registry().entry_points;
}

HttpReply serve_without_alerting(const HttpRequest& request,
                                 const std::function<std::string()>& local_alerts_json) {
  const std::string& path = request.path;
  if (path == "/api/v2/alerts" && request.method == "GET")
    return {200, "application/json", local_alerts_json ? local_alerts_json() : "[]", {}};
  if (path.starts_with("/api/v2/") || path == "/api/v1/webhook" ||
      path.starts_with("/api/v1/failover"))
    return json_error(503, "alerting is not configured (the config has no alerting section)");
  return {404, "text/plain; charset=utf-8", "Not Found\n", {}};
}

}  // namespace hawatch::alerting
