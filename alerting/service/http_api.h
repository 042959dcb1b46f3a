#pragma once
// The alerting HTTP API, as Alertmanager's v2 (so Prometheus and amtool work against hawatch)
// plus the Alertmanager-webhook receiver:
//   GET  /api/v2/alerts          gettableAlerts (filter, active, silenced, inhibited, receiver)
//   POST /api/v2/alerts          postableAlerts: what a Prometheus sends
//   GET  /api/v2/alerts/groups   alertGroups
//   GET  /api/v2/silences        gettableSilences (filter)
//   POST /api/v2/silences        postableSilence -> {"silenceID"}
//   GET  /api/v2/silence/{id}, DELETE /api/v2/silence/{id}
//   GET  /api/v2/status, GET /api/v2/receivers
//   POST /api/v1/webhook         an Alertmanager webhook message (version 4)
// A body that is not what the endpoint takes is answered 400 with the reason and changes
// nothing. Without a running service (no alerting.route) GET /api/v2/alerts serves the local
// rules' alerts and the rest answers 503.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/http_server.h"
#include "service/alerting_service.h"

namespace hawatch::alerting {

// The service the routes use; replaced when a reload turns alerting on or off.
class ServiceSlot {
 public:
  std::shared_ptr<AlertingService> get() const {
    const std::lock_guard lock(mutex_);
    return service_;
  }
  void set(std::shared_ptr<AlertingService> service) {
    const std::lock_guard lock(mutex_);
    service_ = std::move(service);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<AlertingService> service_;
};

struct AlertingApiOptions {
  std::shared_ptr<ServiceSlot> slot;
  std::function<std::string()> local_alerts_json;  // GET /api/v2/alerts without a service
  std::string version;
  std::string revision;
  std::size_t max_alerts_body = 1u << 20;
  std::size_t max_silence_body = 64u << 10;
};

std::vector<HttpRoute> alerting_routes(AlertingApiOptions options);

// The status page's alerting section (escaped HTML): firing alerts, silences, last
// notifications.
std::string alerting_status_html(const AlertingService& service);

// Checks a request's HMAC headers against `inbound` (a no-op without a secret file); returns
// the reason it is refused, or "" when it passes.
std::string check_inbound_signature(const InboundConfig& inbound, const HttpRequest& request,
                                    Time now);

}  // namespace hawatch::alerting
