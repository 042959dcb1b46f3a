#pragma once
// UTF-8 validation for label values, matcher values and JSON output (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF).

#include <cstddef>
#include <string_view>

namespace hawatch::alerting {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the byte there starts none.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);
bool valid_utf8(std::string_view text);

}  // namespace hawatch::alerting
