#pragma once
// An alerting rule and its active alerts (Prometheus rules/alerting.go): each sample of the
// expression is an alert, pending until it has been active for `for`, then firing; when its
// sample goes away it stays firing for `keep_firing_for`, then is resolved and kept 15 minutes
// (resolved_retention) so receivers hear of the resolution.

#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "rule.h"

namespace hawatch::rules {

enum class AlertState { inactive, pending, firing };
std::string_view state_name(AlertState s);  // "inactive", "pending", "firing"

inline constexpr Millis kResolvedRetention = std::chrono::minutes(15);

struct Alert {
  promql::Labels labels;
  NamedValues annotations;
  AlertState state = AlertState::pending;
  double value = 0;
  Timestamp active_at = 0;
  std::optional<Timestamp> fired_at;
  std::optional<Timestamp> resolved_at;
  std::optional<Timestamp> last_sent_at;
  std::optional<Timestamp> valid_until;
  std::optional<Timestamp> keep_firing_since;

  // Whether a notification is due at ts (Prometheus' needsSending): never while pending; at once
  // when resolved since the last send; otherwise again after resend_delay.
  bool needs_sending(Timestamp ts, Millis resend_delay) const;
};

class AlertingRule final : public Rule {
 public:
  AlertingRule(RuleSpec spec, TemplateContext context);

  promql::Vector eval(Timestamp ts, const QueryFunc& query, std::size_t limit) override;

  // Alerts not inactive (pending and firing), in label order.
  std::vector<const Alert*> active_alerts() const;
  // Every alert held, resolved ones included (for persistence and notification).
  const std::map<promql::Labels, Alert>& alerts() const { return active_; }

  // The alerts to notify at ts; marks them sent (last_sent_at, valid_until = ts + 4 * max(
  // resend_delay, interval)), as Prometheus' sendAlerts.
  std::vector<Alert> take_alerts_to_send(Timestamp ts, Millis resend_delay, Millis interval);

  // Puts back alerts saved before a restart (their `for` clock and last send kept).
  void restore(std::vector<Alert> alerts);
  // Takes over the alerts of the same rule before a reload (Prometheus copies them too).
  void take_state_from(const AlertingRule& old) { active_ = old.active_; }

  promql::Vector alerts_series(Timestamp ts) const;  // ALERTS and ALERTS_FOR_STATE

 private:
  tmpl::AlertData template_data(const promql::Sample& sample) const;

  TemplateContext context_;
  std::map<promql::Labels, Alert> active_;
};

}  // namespace hawatch::rules
