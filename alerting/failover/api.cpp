#include "api.h"

#include "model/json_writer.h"

namespace hawatch::alerting::failover {
namespace {

constexpr std::string_view kPrefix = "/api/v1/failover/";

HttpReply json_reply(int status, const std::string& group, const ActionReply& r) {
  JsonWriter w;
  w.begin_object()
      .key("group")
      .value(group)
      .key("status")
      .value(status == 200 ? "accepted" : "refused")
      .key("message")
      .value(r.message);
  if (!r.state.empty()) w.key("state").value(r.state);
  w.key("code").value(r.code);
  w.end_object();
  return {status, "application/json", w.take() + "\n", {}};
}

}  // namespace

HttpReply failover_action(FailoverService& service, const HttpRequest& request) {
  std::string_view rest(request.path);
  rest.remove_prefix(std::min(rest.size(), kPrefix.size()));
  const auto slash = rest.find('/');
  const std::string group(rest.substr(0, slash));
  const std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (action != "fail-over" && action != "fail-back")
    return json_reply(
        404, group,
        {404, "expected /api/v1/failover/{group}/fail-over or /fail-back", "", "unknown_group"});
  if (!valid_group_name(group))
    return json_reply(404, group, {404, "unknown failover group", "", "unknown_group"});
  const std::string reason =
      "manual " + std::string(action) + " via the API from " + request.client;
  const ActionReply r =
      action == "fail-over" ? service.fail_over(group, reason) : service.fail_back(group, reason);
  return json_reply(r.status, group, r);
}

std::vector<HttpRoute> failover_routes(FailoverService& service) {
  std::vector<HttpRoute> routes;
  routes.push_back({{"GET"}, "/api/v1/failover", false, 0, [&service](const HttpRequest&) {
                      return HttpReply{200, "application/json", service.state_json() + "\n", {}};
                    }});
  routes.push_back({{"POST"}, std::string(kPrefix), true, 4096, [&service](const HttpRequest& r) {
                      return failover_action(service, r);
                    }});
  return routes;
}

}  // namespace hawatch::alerting::failover
