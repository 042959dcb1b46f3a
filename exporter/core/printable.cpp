#include "core/printable.h"

#include "core/url_redact.h"
#include "core/utf8.h"

namespace hawatch {

std::string printable_text(std::string_view text, std::size_t max_bytes) {
  std::string out = to_valid_utf8(redact_urls(text.substr(0, max_bytes)));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  return out;
}

}  // namespace hawatch
