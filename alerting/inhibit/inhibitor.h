#pragma once
// Inhibition (Alertmanager inhibit/inhibit.go): while an alert matching a rule's source matchers
// is firing, alerts matching its target matchers with the same values of the `equal` labels are
// muted. An alert matching both sides is not inhibited by itself (nor by another alert that also
// matches both sides).

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config_reader.h"
#include "matchers/matcher.h"
#include "model/alert.h"

namespace hawatch::alerting {

struct InhibitRule {
  Matchers source;
  Matchers target;
  std::set<std::string, std::less<>> equal;
};

class Inhibitor {
 public:
  explicit Inhibitor(std::vector<InhibitRule> rules);

  // Every incoming alert passes here (as Alertmanager's inhibitor subscribes to all alerts):
  // source alerts are remembered per rule.
  void observe(const Alert& alert);
  // The fingerprint of a firing source alert that inhibits `labels`, if any.
  std::optional<Fingerprint> inhibited_by(const LabelSet& labels, Time now) const;
  bool mutes(const LabelSet& labels, Time now) const {
    return inhibited_by(labels, now).has_value();
  }
  // Forgets resolved source alerts.
  void gc(Time now);

 private:
  struct RuleState {
    InhibitRule rule;
    std::map<Fingerprint, Alert> sources;
  };
  mutable std::mutex mutex_;
  std::vector<RuleState> rules_;
};

// Reads `inhibit_rules:` (source_matchers / target_matchers / equal, and the older source_match,
// source_match_re, target_match, target_match_re maps).
std::vector<InhibitRule> read_inhibit_rules(const YAML::Node& list, ConfigContext& ctx,
                                            const std::string& where);

}  // namespace hawatch::alerting
