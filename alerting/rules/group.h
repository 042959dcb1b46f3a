#pragma once
// A rule group (Prometheus rules/group.go): its rules evaluated in order at one timestamp, each
// rule's output appended to storage at once so later rules of the same evaluation see it, and
// series a rule no longer produces marked stale.

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "alerting_rule.h"
#include "recording_rule.h"

namespace hawatch::rules {

// Receives the alerts due for notification after each evaluation (Prometheus' NotifyFunc).
using NotifyFunc = std::function<void(const std::string& expr, const std::vector<Alert>& alerts)>;

class Group {
 public:
  Group(GroupSpec spec, Millis default_interval, const TemplateContext& context);

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  Millis interval() const { return interval_; }
  std::size_t limit() const { return limit_; }
  const std::vector<std::unique_ptr<Rule>>& rules() const { return rules_; }
  AlertingRule* find_alerting_rule(const std::string& name);

  // One evaluation at ts: results go to storage; errors stay on each rule (last_error()).
  void eval(Timestamp ts, promql::MemoryStorage& storage, const QueryFunc& query,
            const NotifyFunc& notify = {}, Millis resend_delay = std::chrono::minutes(1));

  std::optional<Timestamp> last_evaluation() const { return last_evaluation_; }

 private:
  std::string name_;
  std::string file_;
  Millis interval_;
  std::size_t limit_;
  std::vector<std::unique_ptr<Rule>> rules_;
  std::vector<std::set<promql::Labels>> previous_series_;  // per rule, for staleness
  std::optional<Timestamp> last_evaluation_;
};

}  // namespace hawatch::rules
