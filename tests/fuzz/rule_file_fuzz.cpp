// The rule-file reader: any bytes are a rule file or a list of FILE:LINE:COL errors; aliases,
// anchors and deep nesting are refused, never expanded; expressions go through the real engine.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/rule_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hawatch::rules::RuleFileLimits limits;
  limits.yaml.max_nodes = 20000;
  const auto result = hawatch::rules::parse_rule_file(text, "fuzz.yml", limits);
  for (const auto& e : result.errors)
    if (e.file != "fuzz.yml" || e.message.empty() || e.line < 0) std::abort();
  if (result.ok())
    for (const auto& g : result.groups)
      for (const auto& r : g.rules)
        if (r.name.empty() || r.expr_text.empty()) std::abort();
  return 0;
}
