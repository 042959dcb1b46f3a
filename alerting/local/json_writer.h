#pragma once
// A small JSON writer for what hawatch serves (the alert API, the status page's data): every
// string is escaped and invalid UTF-8 is replaced with U+FFFD, so the output stays valid JSON
// whatever labels and annotations hold. Hand-written rather than Poco JSON: the daemon would
// otherwise map libPocoJSON on every node for a few dozen lines of output code.

#include <string>
#include <string_view>

namespace hawatch::local {

// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);
void append_json_string(std::string& out, std::string_view text);

// A number as JSON: finite values in shortest round-trip form; NaN and infinities, which JSON
// cannot carry, as the strings "NaN", "+Inf", "-Inf" (what Prometheus' API does).
std::string json_number(double v);

// RFC 3339 with milliseconds in UTC, as Alertmanager writes times.
std::string rfc3339(std::int64_t unix_ms);

}  // namespace hawatch::local
