#include "route_dispatch.h"

#include <algorithm>

namespace hawatch {
namespace {

HttpReply text_reply(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

}  // namespace

HttpReply dispatch_routes(const std::vector<HttpRoute>& routes, const HttpRequest& request) {
  const auto route = std::find_if(routes.begin(), routes.end(), [&](const HttpRoute& r) {
    return r.prefix ? request.path.starts_with(r.path) : request.path == r.path;
  });
  if (route == routes.end()) return text_reply(404, "Not Found\n");
  if (std::find(route->methods.begin(), route->methods.end(), request.method) ==
      route->methods.end()) {
    HttpReply reply = text_reply(405, "Method Not Allowed\n");
    std::string allow;
    for (const auto& m : route->methods) allow += (allow.empty() ? "" : ", ") + m;
    reply.headers["Allow"] = allow;
    return reply;
  }
  if (request.body.size() > route->max_body_bytes)
    return text_reply(
        413, "Request body larger than " + std::to_string(route->max_body_bytes) + " bytes\n");
  return route->handler(request);
}

}  // namespace hawatch
