#include "alerting_rule.h"

#include <algorithm>

namespace hawatch::rules {

std::string_view state_name(AlertState s) {
  switch (s) {
    case AlertState::inactive:
      return "inactive";
    case AlertState::pending:
      return "pending";
    case AlertState::firing:
      return "firing";
  }
  return "inactive";
}

bool Alert::needs_sending(Timestamp ts, Millis resend_delay) const {
  if (state == AlertState::pending) return false;
  if (resolved_at && (!last_sent_at || *resolved_at > *last_sent_at)) return true;
  if (!last_sent_at) return true;
  return *last_sent_at + resend_delay.count() < ts;
}

AlertingRule::AlertingRule(RuleSpec spec, TemplateContext context)
    : Rule(std::move(spec)), context_(std::move(context)) {}

tmpl::AlertData AlertingRule::template_data(const promql::Sample& sample) const {
  tmpl::AlertData data;
  for (const auto& l : sample.labels.items()) data.labels[l.name] = l.value;
  data.external_labels = context_.external_labels;
  data.external_url = context_.external_url;
  data.value = sample.value;
  return data;
}

promql::Vector AlertingRule::eval(Timestamp ts, const QueryFunc& query, std::size_t limit) {
  const promql::Vector result = query(spec_.expr, ts);

  // Alerts from this evaluation's samples, keyed by their final label set.
  std::map<promql::Labels, Alert> current;
  for (const auto& sample : result) {
    const tmpl::AlertData data = template_data(sample);
    promql::Labels labels = sample.labels;
    labels.erase("__name__");
    for (std::size_t i = 0; i < spec_.labels.size(); ++i)
      labels.set(spec_.labels[i].first, spec_.label_templates[i].expand(data));
    labels.set("alertname", spec_.name);
    Alert alert;
    for (std::size_t i = 0; i < spec_.annotations.size(); ++i)
      alert.annotations.emplace_back(spec_.annotations[i].first,
                                     spec_.annotation_templates[i].expand(data));
    alert.labels = labels;
    alert.active_at = ts;
    alert.state = AlertState::pending;
    alert.value = sample.value;
    if (!current.emplace(labels, std::move(alert)).second)
      throw RuleError("vector contains metrics with the same labelset after applying alert labels");
  }

  for (auto& [labels, alert] : current) {
    auto it = active_.find(labels);
    if (it != active_.end() && it->second.state != AlertState::inactive) {
      it->second.value = alert.value;
      it->second.annotations = std::move(alert.annotations);
      continue;
    }
    active_.insert_or_assign(labels, std::move(alert));
  }

  std::size_t active_count = 0;
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    if (!current.count(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::firing && spec_.keep_firing_for.count() > 0) {
        if (!a.keep_firing_since) a.keep_firing_since = ts;
        keep_firing = ts - *a.keep_firing_since < spec_.keep_firing_for.count();
      }
      // Resolved alerts are kept for resolved_retention so the resolution reaches receivers.
      if (a.state == AlertState::pending ||
          (a.resolved_at && ts - *a.resolved_at > kResolvedRetention.count())) {
        it = active_.erase(it);
        continue;
      }
      if (a.state != AlertState::inactive && !keep_firing) {
        a.state = AlertState::inactive;
        a.resolved_at = ts;
      }
      if (!keep_firing) {
        ++it;
        continue;
      }
    } else {
      a.keep_firing_since.reset();
    }
    ++active_count;
    if (a.state == AlertState::pending && ts - a.active_at >= spec_.for_duration.count()) {
      a.state = AlertState::firing;
      a.fired_at = ts;
    }
    ++it;
  }

  if (limit > 0 && active_count > limit) {
    active_.clear();
    throw RuleError("exceeded limit of " + std::to_string(limit) + " with " +
                    std::to_string(active_count) + " alerts");
  }
  return alerts_series(ts);
}

promql::Vector AlertingRule::alerts_series(Timestamp ts) const {
  promql::Vector out;
  for (const auto& [labels, a] : active_) {
    if (a.state == AlertState::inactive) continue;
    promql::Labels alerts = labels;
    alerts.set("__name__", "ALERTS");
    alerts.set("alertstate", state_name(a.state));
    out.push_back(promql::Sample{std::move(alerts), 1, ts});
    promql::Labels for_state = labels;
    for_state.set("__name__", "ALERTS_FOR_STATE");
    out.push_back(
        promql::Sample{std::move(for_state), static_cast<double>(a.active_at / 1000), ts});
  }
  return out;
}

std::vector<const Alert*> AlertingRule::active_alerts() const {
  std::vector<const Alert*> out;
  for (const auto& [labels, a] : active_)
    if (a.state != AlertState::inactive) out.push_back(&a);
  return out;
}

std::vector<Alert> AlertingRule::take_alerts_to_send(Timestamp ts, Millis resend_delay,
                                                     Millis interval) {
  std::vector<Alert> out;
  for (auto& [labels, a] : active_) {
    if (!a.needs_sending(ts, resend_delay)) continue;
    a.last_sent_at = ts;
    a.valid_until = ts + 4 * std::max(resend_delay, interval).count();
    out.push_back(a);
  }
  return out;
}

void AlertingRule::restore(std::vector<Alert> alerts) {
  for (auto& a : alerts) {
    a.labels.set("alertname", spec_.name);
    const promql::Labels key = a.labels;
    active_.insert_or_assign(key, std::move(a));
  }
}

}  // namespace hawatch::rules
