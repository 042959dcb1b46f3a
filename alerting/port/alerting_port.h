#pragma once
// What the daemon sees of alerting: routing, silences, receivers and the alert API are the module
// alerting.so (alerting/module/), loaded only when the config has an `alerting` section. A node
// that only exports metrics then never maps libcurl, OpenSSL or Poco JSON, which cost a Raspberry
// Pi resident pages whether or not an alert is ever sent (test_modules, test_tls_module).
//
// The module registers its entry points from a static initialiser into this registry, which
// lives in the executable (core/module_loader.h):
//   HAWATCH_REGISTER_ALERTING_MODULE(entry_points);
// A binary that links the module's code directly (the unit tests) has them from the start and
// never loads the module.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/snapshot.h"
#include "http/http_server.h"
#include "model/alert.h"

namespace hawatch::alerting {

// A config section read, checked and its receivers built, not yet applied. Opaque to the daemon.
class AlertingPlan {
 public:
  virtual ~AlertingPlan() = default;
};

// What the running alerting part needs of the daemon.
struct AlertingHost {
  std::shared_ptr<SnapshotStore> store;
  std::function<std::string()> local_alerts_json;  // GET /api/v2/alerts without a route
  std::string version;
  std::string revision;
};

class AlertingRuntime {
 public:
  virtual ~AlertingRuntime() = default;
  // Starts, reconfigures or (null) stops routing and delivery; returns warnings for the log.
  virtual std::vector<std::string> apply(std::unique_ptr<AlertingPlan> plan) = 0;
  // The snapshot units it publishes while running (for the store's generation).
  virtual std::vector<std::string> unit_names() const = 0;
  virtual void set_generation(std::uint64_t generation) = 0;
  // Alerts of the local rules, as Prometheus sends them to an Alertmanager.
  virtual void insert_local(std::vector<Alert> alerts) = 0;
  // A request under kApiPrefix (the daemon routes them all here).
  virtual HttpReply handle(const HttpRequest& request) = 0;
  // The status page's alerting section (escaped HTML).
  virtual std::string status_html() const = 0;
};

struct AlertingEntryPoints {
  // Reads `config.alerting`; throws ConfigError with FILE:LINE:COL diagnostics. Null: nothing to
  // run (no alerting.route).
  std::unique_ptr<AlertingPlan> (*plan)(const Config& config) = nullptr;
  std::unique_ptr<AlertingRuntime> (*start)(AlertingHost host) = nullptr;
};

// Every path the alerting API serves starts with this.
inline constexpr const char* kApiPrefix = "/api/";
// The largest body an API route takes (POST /api/v2/alerts); routes check their own, smaller ones.
inline constexpr std::size_t kMaxApiBody = 1u << 20;

bool register_alerting_module(AlertingEntryPoints entry_points);

// Whether `config` uses alerting at all (an `alerting` section that is not empty).
bool wants_alerting(const Config& config);

// Makes sure the entry points are registered, loading the module if needed. Throws ConfigError
// at the config's alerting section, naming the module file and the dynamic loader's reason.
const AlertingEntryPoints& require_alerting_module(const Config& config);

// What the API answers while the module is not loaded: the local rules' alerts for
// GET /api/v2/alerts, 503 for the rest of the alerting API, 404 elsewhere.
HttpReply serve_without_alerting(const HttpRequest& request,
                                 const std::function<std::string()>& local_alerts_json);

}  // namespace hawatch::alerting

#define HAWATCH_REGISTER_ALERTING_MODULE(entry_points)             \
  namespace {                                                      \
  [[maybe_unused]] const bool hawatch_registered_alerting_module = \
      ::hawatch::alerting::register_alerting_module(entry_points); \
  }
