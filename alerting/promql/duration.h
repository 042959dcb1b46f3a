#pragma once
// Prometheus durations (model.ParseDuration): units y w d h m s ms, each at most once, in that
// order, e.g. 1h30m, 500ms, 2w. Returned in milliseconds; nullopt for anything else or beyond
// kMaxDurationMs.

#include <cstdint>
#include <optional>
#include <string_view>

namespace hawatch::promql {

// Prometheus keeps a duration in nanoseconds (time.Duration) and rejects longer ones as "out of
// range": (2^63 - 1) ns, about 292 years.
inline constexpr std::int64_t kMaxDurationMs = 9223372036854;

std::optional<std::int64_t> parse_duration_ms(std::string_view text);

}  // namespace hawatch::promql
