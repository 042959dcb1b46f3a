#pragma once
// Prometheus durations (model.ParseDuration): units y w d h m s ms, each at most once, in that
// order, e.g. 1h30m, 500ms, 2w. Returned in milliseconds; nullopt for anything else or overflow.

#include <cstdint>
#include <optional>
#include <string_view>

namespace hawatch::promql {

std::optional<std::int64_t> parse_duration_ms(std::string_view text);

}  // namespace hawatch::promql
