#pragma once
// A recording rule (Prometheus rules/recording.go): the expression's samples renamed to the
// record name, the rule's labels set on each.

#include "rule.h"

namespace hawatch::rules {

class RecordingRule final : public Rule {
 public:
  explicit RecordingRule(RuleSpec spec) : Rule(std::move(spec)) {}
  promql::Vector eval(Timestamp ts, const QueryFunc& query, std::size_t limit) override;
};

}  // namespace hawatch::rules
