// libFuzzer target for the Alertmanager matcher syntax (matchers come from config files and from
// silences posted to the HTTP API). Invariants: a parsed matcher prints back to text that parses
// to the same matcher, and matching any value terminates.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "matchers/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using namespace hawatch::alerting;
  try {
    for (const Matcher& m : parse_matchers(text, "fuzz")) {
      const Matcher again = parse_matcher(m.to_string(), "round trip");
      if (!(again == m)) __builtin_trap();
      (void)m.matches(text);
    }
  } catch (const MatcherError& e) {
    if (e.column() == 0) __builtin_trap();
  }
  return 0;
}
