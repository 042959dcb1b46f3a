#pragma once
// Outside text (a peer's reply, a check's output, an error quoting either) as a page, a table
// cell or an API answer may show it, whatever bytes it held: no URL credentials or query tokens,
// valid UTF-8, no control characters. HTML escaping stays the caller's (html_escape.h); log lines
// escape control characters instead of replacing them (log.cpp), so they do not use this.

#include <cstddef>
#include <string>
#include <string_view>

namespace hawatch {

// At most the first `max_bytes` of `text` (a sequence cut there becomes U+FFFD), its URLs
// redacted (url_redact.h), invalid UTF-8 replaced by U+FFFD, control characters by '?'.
std::string printable_text(std::string_view text, std::size_t max_bytes = std::string_view::npos);

}  // namespace hawatch
