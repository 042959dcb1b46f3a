#pragma once
// What Prometheus' notifier POSTs to an Alertmanager's /api/v2/alerts: a JSON array of postable
// alerts {labels, annotations, startsAt, endsAt, generatorURL}, and how the endpoint's URL is
// made from a configured base URL and path_prefix.
//
// endsAt: a resolved alert carries its resolve time, so the Alertmanager resolves it. A firing
// alert carries "valid until" = now + 4 x the route's repeat_interval (at least 4 minutes), as
// Prometheus sends now + 4 x its resend interval: hawatch re-sends an unchanged group every
// repeat_interval, which keeps the alert active there, and should hawatch stop sending, the
// Alertmanager resolves it by itself instead of keeping it forever. (Without an endsAt the
// Alertmanager would resolve it after its resolve_timeout, 5m by default, long before the default
// 4h repeat.) startsAt and generatorURL are left out when unset, as Go's omitempty does for the
// URL and as the Alertmanager then fills in the receive time for the start.

#include <optional>
#include <string>
#include <vector>

#include "model/alert.h"
#include "notify/stage.h"

namespace hawatch::alerting {

inline constexpr int kValidityRepeats = 4;

std::string render_postable_alerts(const NotifyContext& ctx, const std::vector<Alert>& alerts);

// The firing alerts' endsAt: ctx.now + 4 x max(repeat_interval, 1m).
Time firing_valid_until(const NotifyContext& ctx);

// base + path_prefix + "/api/v2/alerts", with exactly one '/' at each join; base keeps its own
// path ("http://h:9093/am" -> "http://h:9093/am/api/v2/alerts"). nullopt with `why` set when
// base is not an http(s) URL, or has a query, fragment or user:password (credentials belong in
// basic_auth and its password_file), or path_prefix holds more than [A-Za-z0-9-._~/].
std::optional<std::string> alerts_endpoint(const std::string& base, const std::string& path_prefix,
                                           std::string& why);

}  // namespace hawatch::alerting
