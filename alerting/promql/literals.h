#pragma once
// The values of literal tokens: numbers as Go's strconv reads them, and string escapes as Go's
// strconv.Unquote decodes them (Prometheus relies on both).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hawatch::promql {

// A number token's value: ParseInt(s, 0, 64) (0x.. hex, 0.. octal), else ParseFloat; nullopt
// where Go reports an error (malformed, or a float out of range).
std::optional<double> parse_number_literal(std::string_view text);

// Decodes the escape starting at text[pos] (just after the backslash) into out and advances pos;
// false for an unknown or malformed escape.
bool decode_escape(std::string_view text, std::size_t& pos, char quote, std::string& out);

}  // namespace hawatch::promql
