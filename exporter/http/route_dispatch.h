#pragma once
// Serves a request from a list of routes as the HTTP server itself does (first matching path, then
// the method, then the body limit), for a part loaded later than the server started (the
// alerting module gets every request under one prefix route and dispatches them here).

#include <vector>

#include "http_server.h"

namespace hawatch {

// 404 when no route matches the path, 405 with Allow when none of the matching route's methods
// is the request's, 413 when the body is larger than the route takes; else the route's reply.
HttpReply dispatch_routes(const std::vector<HttpRoute>& routes, const HttpRequest& request);

}  // namespace hawatch
