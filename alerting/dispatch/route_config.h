#pragma once
// Reading `alerting.route` (Alertmanager's route block) with FILE:LINE:COL errors.

#include <memory>
#include <set>
#include <string>

#include "core/config_reader.h"
#include "dispatch/route.h"
#include "timeinterval/time_interval.h"

namespace hawatch::alerting {

// What routes may refer to; a null pointer skips that check.
struct RouteReferences {
  const std::set<std::string, std::less<>>* receivers = nullptr;
  const TimeIntervals* time_intervals = nullptr;
};

// Reads the root route at `node` (`where` names it in messages, e.g. "alerting.route"). Errors go
// to `ctx`; the result is null when the route could not be built at all.
std::unique_ptr<Route> read_route(const YAML::Node& node, ConfigContext& ctx,
                                  const std::string& where, const RouteReferences& refs);

// Reads a `matchers:` list (each entry one matcher or a {a="b", ...} list), appending to `out`.
void read_matcher_list(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                       Matchers& out);

}  // namespace hawatch::alerting
