// upsd replies from the network: tokenising, LIST replies and the variable mapping must reject any
// input with ParseError, never crash.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/nut/nut_protocol.h"
#include "core/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace hawatch;
  // The same bytes as a LIST VAR reply and as a LIST UPS reply, fed line by line.
  for (const bool var : {true, false}) {
    nut::ListReply reply(var ? "VAR" : "UPS", var ? std::vector<std::string>{"dummy"} : std::vector<std::string>{});
    try {
      bool done = false;
      for_each_line(text, [&](std::string_view line) {
        if (!done) done = reply.feed(line);
      });
      if (done && !reply.error()) {
        if (var) {
          const auto reading = nut::reading_from_variables(nut::variables(reply));
          if (!reading.up && reading.down_reason.empty()) __builtin_trap();
        } else {
          (void)nut::ups_names(reply);
        }
      }
    } catch (const ParseError&) {
    }
  }
  if (const auto q = nut::quote(text); q && q->size() <= nut::kMaxLineLength) {
    // Whatever we quote must read back as exactly one token with the same text.
    const auto tokens = nut::tokenize(*q);
    if (tokens.size() != 1 || tokens[0] != text) __builtin_trap();
  }
  (void)nut::error_code(text);
  return 0;
}
