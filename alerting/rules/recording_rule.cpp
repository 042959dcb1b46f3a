#include "recording_rule.h"

#include <algorithm>

namespace hawatch::rules {

promql::Vector RecordingRule::eval(Timestamp ts, const QueryFunc& query, std::size_t limit) {
  promql::Vector vector = query(spec_.expr, ts);
  for (auto& sample : vector) {
    sample.labels.set("__name__", spec_.name);
    for (const auto& [name, value] : spec_.labels) sample.labels.set(name, value);
    sample.t = ts;
  }
  std::vector<const promql::Labels*> sorted;
  for (const auto& s : vector) sorted.push_back(&s.labels);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return *a < *b; });
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (*sorted[i] == *sorted[i - 1])
      throw RuleError("vector contains metrics with the same labelset after applying rule labels");
  if (limit > 0 && vector.size() > limit)
    throw RuleError("exceeded limit of " + std::to_string(limit) + " with " +
                    std::to_string(vector.size()) + " series");
  return vector;
}

}  // namespace hawatch::rules
