#pragma once
// Prometheus duration syntax (model.ParseDuration / model.Duration.String) and Go's
// time.Duration.String, which promtool prints in its messages. Parsing is PromQL's reader
// (promql/duration.h), so rule files and expressions accept exactly the same durations; the
// rule layer does not use exporter/'s copy, so hawatch_rules does not depend on exporter/.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hawatch::rules {

using Millis = std::chrono::milliseconds;

// "1h30m", "5m", "0", "1y2w3d4h5m6s7ms": units in that order, each at most once, integers only.
std::optional<Millis> parse_duration(std::string_view text);

// Prometheus' spelling: "0s", "5m", "1h30m", "90d" (years and weeks only when exact).
std::string format_duration(Millis d);

// Go's time.Duration.String: "0s", "1m0s", "1h30m0s", "1.5s", "500ms".
std::string format_go_duration(Millis d);

}  // namespace hawatch::rules
