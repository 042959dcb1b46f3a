#include "local_rules.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/html_escape.h"
#include "core/log.h"
#include "core/metric_sink.h"
#include "model/alert.h"
#include "model/json_writer.h"
#include "promql/lookback.h"
#include "rules/recording_rule.h"

namespace hawatch::local {
namespace {

using Clock = std::chrono::system_clock;

promql::Timestamp now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

rules::ManagerOptions manager_options(const LocalRulesConfig& c) {
  rules::ManagerOptions o;
  o.default_interval = c.evaluation_interval;
  o.state_file = c.state_file;
  o.context.external_url = c.external_url;
  o.context.external_labels = c.external_labels;
  // A subquery without a step uses the evaluation interval, as in Prometheus.
  o.eval.default_subquery_step = c.evaluation_interval;
  return o;
}

std::vector<std::string> to_strings(const std::vector<rules::FileError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

// A sample's labels for MetricSink: everything but the name.
Labels sink_labels(const promql::Labels& labels) {
  Labels out;
  for (const auto& l : labels.items())
    if (l.name != "__name__") out.push_back({l.name, l.value});
  return out;
}

std::string html(std::string_view s) {
  return html_escape(s);
}

using alerting::append_json_string;

// Alertmanager's forms, from the routing model (alerting/model).
std::string rfc3339(promql::Timestamp ms) {
  return alerting::format_rfc3339(alerting::Time(std::chrono::milliseconds(ms)));
}

std::string fingerprint_of(const promql::Labels& labels) {
  alerting::LabelSet set;
  for (const auto& l : labels.items()) set.emplace(l.name, l.value);
  return alerting::format_fingerprint(alerting::fingerprint(set));
}

std::string_view annotation(const AlertInfo& a, std::string_view name) {
  for (const auto& [k, v] : a.annotations)
    if (k == name) return v;
  return {};
}

// Go's url.QueryEscape.
std::string url_query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

LocalRules::LocalRules(std::shared_ptr<SnapshotStore> store) : store_(std::move(store)) {}

LocalRules::~LocalRules() {
  stop();
}

std::vector<std::string> LocalRules::check(const LocalRulesConfig& config) {
  return to_strings(rules::read_rule_files(config.rule_files, config.base_dir).errors);
}

std::vector<std::string> LocalRules::load(const LocalRulesConfig& config) {
  auto files = rules::read_rule_files(config.rule_files, config.base_dir);
  if (!files.ok()) return to_strings(files.errors);
  std::lock_guard lock(mutex_);
  const bool first = !manager_;
  // The manager's options (interval, state file) are fixed at construction: a reload that changes
  // them builds a new manager that takes the old rules' alerts over through the state file.
  if (first || config.evaluation_interval != config_.evaluation_interval ||
      config.state_file != config_.state_file || config.external_url != config_.external_url ||
      config.external_labels != config_.external_labels) {
    if (manager_) (void)manager_->save_state();
    auto next = std::make_unique<rules::Manager>(options_for(config));
    if (auto errors = next->load(std::move(files)); !errors.empty()) return to_strings(errors);
    manager_ = std::move(next);
    restored_ = false;
  } else if (auto errors = manager_->load(std::move(files)); !errors.empty()) {
    return to_strings(errors);
  }
  if (!restored_) {
    if (const auto err = manager_->restore_state(); !err.empty())
      log::warn("alert state not restored; starting with no active alerts",
                {{"file", config.state_file}, {"err", err}});
    restored_ = true;
  }
  // The history stays across reloads; a shorter need trims it at the next evaluation.
  storage_.set_retention(needed_retention(config));
  config_ = config;
  next_due_ = 0;
  wake_.notify_all();
  return {};
}

std::chrono::milliseconds LocalRules::needed_retention(const LocalRulesConfig& config) const {
  const auto eval = manager_options(config).eval;
  std::int64_t reach = 0;
  for (const auto& g : manager_->groups()) {
    for (const auto& r : g->rules()) {
      const promql::Expr& expr = r->spec().expr;
      if (expr.type_name().empty()) continue;  // not parsed (a loaded rule always is)
      reach = std::max(reach, promql::lookback_ms(expr.root(), eval.lookback_delta.count(),
                                                  eval.default_subquery_step.count()));
    }
  }
  // The slack covers an evaluation that runs late against the compaction before it.
  const std::chrono::milliseconds needed{reach + 60'000};
  return std::min(needed, config.retention);
}

void LocalRules::clear() {
  std::lock_guard lock(mutex_);
  if (manager_) (void)manager_->save_state();
  manager_.reset();
  alerts_.clear();
  storage_ = promql::MemoryStorage(config_.retention);
  feed_ = SnapshotFeed({kRulesUnit});
  restored_ = false;
}

bool LocalRules::loaded() const {
  std::lock_guard lock(mutex_);
  return manager_ != nullptr;
}

void LocalRules::set_generation(std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  generation_ = generation;
}

void LocalRules::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void LocalRules::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LocalRules::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      run_once(now_ms());
    } catch (const std::exception& e) {
      log::error("rule evaluation failed", {{"err", e.what()}});
    }
    lock.lock();
    // New collector values arrive all the time; a second is the resolution rules are fed at.
    wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
  }
}

void LocalRules::run_once(promql::Timestamp now) {
  std::lock_guard lock(mutex_);
  if (!manager_) return;
  const auto started = std::chrono::steady_clock::now();
  feed_.feed(*store_->values(), storage_, now);
  if (now < next_due_) return;
  next_due_ = manager_->evaluate_due(now, storage_);
  if (const auto& err = manager_->state_error(); !err.empty())
    log::warn("alert state not saved", {{"file", config_.state_file}, {"err", err}});
  storage_.compact(now);
  alerts_.clear();
  for (const auto& g : manager_->groups())
    for (const auto& r : g->rules())
      if (const auto* a = dynamic_cast<const rules::AlertingRule*>(r.get()))
        for (const auto& [labels, alert] : a->alerts())
          alerts_.push_back(AlertInfo{g->name(), g->file(), a->name(), labels, alert.annotations,
                                      alert.state, alert.value, alert.active_at, alert.fired_at,
                                      alert.resolved_at, alert.valid_until});
  publish(now, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

// Caller holds mutex_.
void LocalRules::publish(promql::Timestamp now, double seconds) {
  MetricSink sink;
  std::map<std::pair<std::string, std::string>, int> counts;  // (alertname, state)
  std::string first_error;
  std::chrono::milliseconds longest = config_.evaluation_interval;
  const auto rule_error = [&](const rules::Group& g, const rules::Rule& r) {
    if (first_error.empty() && r.last_error())
      first_error = g.name() + "/" + r.name() + ": " + *r.last_error();
  };
  for (const auto& g : manager_->groups()) {
    longest = std::max(longest, g->interval());
    for (const auto& r : g->rules()) {
      rule_error(*g, *r);
      if (const auto* a = dynamic_cast<const rules::AlertingRule*>(r.get())) {
        for (const auto& s : a->alerts_series(now)) {
          const bool for_state = s.labels.metric_name() == "ALERTS_FOR_STATE";
          sink.gauge(for_state ? "ALERTS_FOR_STATE" : "ALERTS",
                     for_state ? "When each active alert became active (Unix seconds)."
                               : "Active alerts of hawatch's local rules.",
                     s.value, sink_labels(s.labels));
        }
        for (const auto& [labels, alert] : a->alerts())
          if (alert.state != rules::AlertState::inactive && !alert.resolved_at)
            ++counts[{a->name(), std::string(rules::state_name(alert.state))}];
      } else if (r->spec().kind == rules::RuleSpec::Kind::recording) {
        // The recording rule's output as its group appended it, read back at this instant.
        auto selected = promql::parse(r->name());
        if (const auto* expr = std::get_if<promql::Expr>(&selected)) {
          const auto value = promql::evaluate(*expr, storage_, now);
          // Colons are the recording-rule convention, but exposition linters (promtool check
          // metrics) refuse them in scraped names: served with '_' instead, the rule's own name
          // in the help text. Rules read the recorded series under its real name.
          std::string served = r->name();
          std::replace(served.begin(), served.end(), ':', '_');
          if (const auto* vec = std::get_if<promql::Vector>(&value))
            for (const auto& s : *vec)
              sink.gauge(served, "Recording rule " + r->name() + " of hawatch's local rules.",
                         s.value, sink_labels(s.labels));
        }
      }
    }
  }
  for (const auto& [key, n] : counts)
    sink.gauge("hawatch_alerts", "Alerts of the local rules, by name and state.", n,
               {{"alertname", key.first}, {"state", key.second}});
  CollectorOutcome o;
  o.collector = kRulesUnit;
  o.success = first_error.empty();
  o.error = first_error;
  o.duration_seconds = seconds;
  o.finished_at = Clock::now();
  // Served until two evaluations of the slowest group are missed.
  o.stale_at = std::chrono::steady_clock::now() + 2 * longest + std::chrono::seconds(10);
  set_samples(o, sink.families(), *store_);
  store_->publish(generation_, std::move(o));
}

rules::ManagerOptions LocalRules::options_for(const LocalRulesConfig& config) {
  rules::ManagerOptions o = manager_options(config);
  // Runs inside run_once(), under mutex_.
  o.notify = [this](const std::string& expr, const std::vector<rules::Alert>& alerts) {
    forward(expr, alerts);
  };
  return o;
}

void LocalRules::set_alert_sink(AlertSink sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
}

// Prometheus' sendAlerts: startsAt the firing time, endsAt the resolve time or valid-until,
// generatorURL the expression's table link.
void LocalRules::forward(const std::string& expr, const std::vector<rules::Alert>& alerts) const {
  if (!sink_) return;
  std::vector<alerting::Alert> out;
  const auto at = [](promql::Timestamp ms) {
    return alerting::Time(std::chrono::milliseconds(ms));
  };
  const alerting::Time now = Clock::now();
  for (const rules::Alert& a : alerts) {
    alerting::Alert x;
    for (const auto& l : a.labels.items())
      if (!l.value.empty()) x.labels.emplace(l.name, l.value);
    for (const auto& [k, v] : a.annotations) x.annotations.insert_or_assign(k, v);
    x.starts_at = at(a.fired_at.value_or(a.active_at));
    if (a.resolved_at)
      x.ends_at = at(*a.resolved_at);
    else if (a.valid_until)
      x.ends_at = at(*a.valid_until);
    x.generator_url =
        config_.external_url + "/graph?g0.expr=" + url_query_escape(expr) + "&g0.tab=1";
    x.updated_at = now;
    out.push_back(std::move(x));
  }
  if (!out.empty()) sink_(std::move(out));
}

std::vector<AlertInfo> LocalRules::alerts() const {
  std::lock_guard lock(mutex_);
  return alerts_;
}

std::string LocalRules::alerts_json() const {
  const auto all = alerts();
  std::string out = "[";
  bool first = true;
  for (const auto& a : all) {
    if (a.state != rules::AlertState::firing || a.resolved_at) continue;
    if (!first) out += ",";
    first = false;
    out += "{\"annotations\":{";
    for (std::size_t i = 0; i < a.annotations.size(); ++i) {
      if (i) out += ",";
      append_json_string(out, a.annotations[i].first);
      out += ":";
      append_json_string(out, a.annotations[i].second);
    }
    out += "},\"endsAt\":";
    append_json_string(out, rfc3339(a.valid_until.value_or(a.fired_at.value_or(a.active_at))));
    out += ",\"fingerprint\":";
    append_json_string(out, fingerprint_of(a.labels));
    out += ",\"receivers\":[{\"name\":\"local\"}],\"startsAt\":";
    append_json_string(out, rfc3339(a.fired_at.value_or(a.active_at)));
    out += ",\"status\":{\"inhibitedBy\":[],\"silencedBy\":[],\"state\":\"active\"},\"updatedAt\":";
    append_json_string(out, rfc3339(now_ms()));
    out += ",\"generatorURL\":";
    append_json_string(out, config_.external_url.empty() ? "" : config_.external_url + "/");
    out += ",\"labels\":{";
    bool first_label = true;
    for (const auto& l : a.labels.items()) {
      if (!first_label) out += ",";
      first_label = false;
      append_json_string(out, l.name);
      out += ":";
      append_json_string(out, l.value);
    }
    out += "}}";
  }
  out += "]";
  return out;
}

std::string LocalRules::status_html() const {
  auto all = alerts();
  std::erase_if(all, [](const AlertInfo& a) {
    return a.resolved_at.has_value() || a.state == rules::AlertState::inactive;
  });
  std::sort(all.begin(), all.end(), [](const AlertInfo& x, const AlertInfo& y) {
    return std::tie(x.state, x.rule) > std::tie(y.state, y.rule);  // firing first
  });
  std::string out = "<h2>Alerts</h2>\n";
  if (all.empty()) return out + "<p>No alert is pending or firing.</p>\n";
  out += "<table><tr><th>alert</th><th>state</th><th>since</th><th>summary</th></tr>\n";
  for (const auto& a : all) {
    const bool firing = a.state == rules::AlertState::firing;
    out += std::string("<tr class=\"") + (firing ? "firing" : "pending") + "\"><td>" +
           html(a.rule) + "</td><td>" + std::string(rules::state_name(a.state)) + "</td><td>" +
           html(rfc3339(firing ? a.fired_at.value_or(a.active_at) : a.active_at)) + "</td><td>" +
           html(annotation(a, "summary")) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace hawatch::local
