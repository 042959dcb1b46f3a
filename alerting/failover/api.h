#pragma once
// The failover API, as routes of the daemon's HTTP server (behind its authentication):
//   GET  /api/v1/failover                    every group's state
//   POST /api/v1/failover/{group}/fail-over  manual failover   (404 unknown group, 409 refused)
//   POST /api/v1/failover/{group}/fail-back  manual failback

#include <vector>

#include "http/http_server.h"
#include "service.h"

namespace hawatch::alerting::failover {

std::vector<HttpRoute> failover_routes(FailoverService& service);

// The answer to a POST for `path` (below /api/v1/failover/), for tests without a server.
HttpReply failover_action(FailoverService& service, const HttpRequest& request);

}  // namespace hawatch::alerting::failover
