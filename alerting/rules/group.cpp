#include "group.h"

namespace hawatch::rules {

Group::Group(GroupSpec spec, Millis default_interval, const TemplateContext& context)
    : name_(spec.name),
      file_(spec.file),
      interval_(spec.interval.value_or(default_interval)),
      limit_(spec.limit) {
  for (auto& r : spec.rules) {
    if (r.kind == RuleSpec::Kind::alerting)
      rules_.push_back(std::make_unique<AlertingRule>(std::move(r), context));
    else
      rules_.push_back(std::make_unique<RecordingRule>(std::move(r)));
  }
  previous_series_.resize(rules_.size());
}

AlertingRule* Group::find_alerting_rule(const std::string& name) {
  for (auto& r : rules_)
    if (auto* a = dynamic_cast<AlertingRule*>(r.get()); a && a->name() == name) return a;
  return nullptr;
}

void Group::eval(Timestamp ts, promql::MemoryStorage& storage, const QueryFunc& query,
                 const NotifyFunc& notify, Millis resend_delay) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    Rule& rule = *rules_[i];
    std::set<promql::Labels> returned;
    promql::Vector vector;
    try {
      vector = rule.eval(ts, query, limit_);
      rule.set_result(std::nullopt);
    } catch (const std::exception& e) {
      // As Prometheus: the rule's previous series are forgotten without stale markers.
      rule.set_result(std::string(e.what()));
      previous_series_[i].clear();
      continue;
    }
    if (auto* alerting = dynamic_cast<AlertingRule*>(&rule); alerting && notify) {
      auto due = alerting->take_alerts_to_send(ts, resend_delay, interval_);
      if (!due.empty()) notify(std::string(alerting->spec().expr_text), due);
    }
    for (const auto& s : vector) {
      storage.append(s.labels, ts, s.value);
      returned.insert(s.labels);
    }
    for (const auto& old : previous_series_[i])
      if (!returned.count(old)) storage.mark_stale(old, ts);
    previous_series_[i] = std::move(returned);
  }
  last_evaluation_ = ts;
}

}  // namespace hawatch::rules
