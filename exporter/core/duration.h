#pragma once
// Prometheus duration syntax: "500ms", "10s", "5m", "1h30m", "2d", "1w", "1y", or "0"; at most
// Prometheus' own limit, (2^63 - 1) ns = 9223372036854ms (about 292 years).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace hawatch {

using Duration = std::chrono::milliseconds;

// Returns nullopt and sets `error` when `text` is not a valid Prometheus duration.
std::optional<Duration> parse_duration(std::string_view text, std::string* error = nullptr);

// Formats the shortest Prometheus spelling of `d` ("1h30m", "500ms", "0s").
std::string format_duration(Duration d);

}  // namespace hawatch
