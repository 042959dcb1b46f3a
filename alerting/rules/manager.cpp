#include "manager.h"

#include <algorithm>
#include <functional>
#include <limits>

namespace hawatch::rules {

Manager::Manager(ManagerOptions options) : options_(std::move(options)) {}

std::vector<FileError> Manager::load(const std::vector<std::string>& patterns,
                                     const std::string& base_dir) {
  return load(read_rule_files(patterns, base_dir, options_.limits));
}

std::vector<FileError> Manager::load(RuleFiles files) {
  if (!files.ok()) return files.errors;
  std::vector<std::unique_ptr<Group>> groups;
  for (auto& spec : files.groups)
    groups.push_back(
        std::make_unique<Group>(std::move(spec), options_.default_interval, options_.context));
  for (auto& g : groups)
    for (auto& old : groups_)
      if (old->file() == g->file() && old->name() == g->name())
        for (auto& r : g->rules())
          if (auto* a = dynamic_cast<AlertingRule*>(r.get()))
            if (auto* previous = old->find_alerting_rule(a->name())) a->take_state_from(*previous);
  groups_ = std::move(groups);
  next_due_.assign(groups_.size(), std::numeric_limits<Timestamp>::min());
  return {};
}

std::string Manager::restore_state() {
  if (options_.state_file.empty()) return {};
  auto read = read_alert_state_file(options_.state_file);
  if (auto* e = std::get_if<std::string>(&read)) return *e;
  for (auto& saved : std::get<std::vector<SavedAlert>>(read))
    for (auto& g : groups_)
      if (g->file() == saved.file && g->name() == saved.group)
        if (auto* rule = g->find_alerting_rule(saved.rule)) rule->restore({saved.alert});
  return {};
}

std::string Manager::save_state() {
  if (options_.state_file.empty()) return {};
  std::vector<SavedAlert> alerts;
  for (const auto& g : groups_)
    for (const auto& r : g->rules())
      if (const auto* a = dynamic_cast<const AlertingRule*>(r.get()))
        for (const auto& [labels, alert] : a->alerts())
          alerts.push_back(SavedAlert{g->file(), g->name(), a->name(), alert});
  // Unchanged state is not written again: the node's SD card should not take a write per minute.
  std::string text = encode_alert_state(alerts);
  if (text == last_saved_) return {};
  std::string error = write_alert_state_file(options_.state_file, alerts);
  if (error.empty()) last_saved_ = std::move(text);
  return error;
}

Timestamp Manager::next_evaluation(const Group& g, Timestamp t) {
  const Timestamp interval = std::max<Timestamp>(g.interval().count(), 1);
  const Timestamp offset = static_cast<Timestamp>(
      std::hash<std::string>{}(g.file() + '\0' + g.name()) % static_cast<std::size_t>(interval));
  const Timestamp base = t - offset;
  Timestamp k = base / interval;  // rounded up to the next slot
  if (base % interval != 0 && base > 0) ++k;
  return k * interval + offset;
}

Timestamp Manager::evaluate_due(Timestamp now, promql::MemoryStorage& storage) {
  const QueryFunc query = engine_query_func(storage, options_.eval);
  Timestamp next = std::numeric_limits<Timestamp>::max();
  bool evaluated = false;
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    Group& g = *groups_[i];
    if (next_due_[i] == std::numeric_limits<Timestamp>::min())
      next_due_[i] = next_evaluation(g, now);
    if (next_due_[i] <= now) {
      // A late evaluation runs once at its own slot; missed slots are skipped, as Prometheus.
      const Timestamp slot = next_evaluation(g, now - g.interval().count() + 1);
      g.eval(slot, storage, query, options_.notify, options_.resend_delay);
      evaluated = true;
      next_due_[i] = slot + g.interval().count();
    }
    next = std::min(next, next_due_[i]);
  }
  if (evaluated) state_error_ = save_state();
  return next;
}

}  // namespace hawatch::rules
