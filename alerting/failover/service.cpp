#include "service.h"

#include "core/html_escape.h"
#include "core/log.h"
#include "core/metric_sink.h"
#include "core/printable.h"
#include "core/snapshot.h"
#include "group_runner.h"
#include "model/json_writer.h"
#include "state_file.h"

namespace hawatch::alerting::failover {
namespace {

// How long a transition alert stays firing: long enough for group_wait and a resend after a
// restart, short enough that it resolves by itself (a transition is an event, not a condition).
constexpr auto kTransitionAlertLifetime = std::chrono::minutes(15);

const SeriesValue* find_sample(const SeriesValues& values, std::string_view name,
                               std::string_view label, std::string_view label_value) {
  for (const auto& v : values) {
    if (v.name != name) continue;
    for (const auto& [k, val] : v.labels)
      if (k == label && val == label_value) return &v;
  }
  return nullptr;
}

std::string label_of(const SeriesValue& v, std::string_view name) {
  for (const auto& [k, val] : v.labels)
    if (k == name) return val;
  return {};
}

// A probe unit's result: hawatch_probe_success{probe=NAME}, with the failure reason as detail.
std::pair<bool, std::string> probe_health(const CollectorOutcome& o, const std::string& probe) {
  if (!o.values) return {false, o.error.empty() ? "no probe result" : o.error};
  const auto* success = find_sample(*o.values, "hawatch_probe_success", "probe", probe);
  if (!success) return {false, o.error.empty() ? "no hawatch_probe_success sample" : o.error};
  if (success->value == 1) return {true, {}};
  for (const auto& v : *o.values)
    if (v.name == "hawatch_probe_failure" && v.value == 1)
      return {false, "probe " + probe + " failed: " + label_of(v, "reason")};
  return {false, "probe " + probe + " failed"};
}

// Whether the local rules' output says the alert is firing (ALERTS{alertstate="firing"}).
bool alert_firing(const CollectorOutcome& o, const std::string& alertname) {
  if (!o.values) return false;
  for (const auto& v : *o.values)
    if (v.name == "ALERTS" && v.value == 1 && label_of(v, "alertname") == alertname &&
        label_of(v, "alertstate") == "firing")
      return true;
  return false;
}

// The network collector's gateway checks: reachable when any target answered.
std::optional<bool> gateway_reachable(const CollectorOutcome& o) {
  if (!o.values) return std::nullopt;
  std::optional<bool> reachable;
  for (const auto& v : *o.values)
    if (v.name == "hawatch_network_gateway_reachable")
      reachable = reachable.value_or(false) || v.value == 1;
  return reachable;
}

int state_value(State s) {
  switch (s) {
    case State::primary:
    case State::failing_over:
      return 0;
    case State::failed_over:
    case State::failing_back:
      return 1;
    case State::unknown:
      return -1;
  }
  return -1;
}

double unix_seconds(Time t) {
  return t == Time{} ? 0 : std::chrono::duration<double>(t.time_since_epoch()).count();
}

void group_metrics(MetricSink& sink, const GroupConfig& g, const GroupStatus& s) {
  const Labels l{{"group", g.name}};
  sink.gauge("hawatch_failover_state",
             "Which address the group serves: 0 primary, 1 backup (failed over), -1 unknown.",
             state_value(s.state), l);
  for (State st : {State::unknown, State::primary, State::failing_over, State::failed_over,
                   State::failing_back})
    sink.gauge("hawatch_failover_phase", "1 for the group's state machine state, 0 for the others.",
               s.state == st ? 1 : 0, {{"group", g.name}, {"phase", std::string(to_string(st))}});
  sink.counter(
      "hawatch_failover_transitions_total",
      "Changes of the record this node made (adopted changes of another node not counted).",
      static_cast<double>(s.transitions), l);
  for (std::size_t i = 0; i < kAllUpdateResults.size(); ++i)
    sink.counter("hawatch_dns_updates_total", "DNS updates this node sent, by result.",
                 static_cast<double>(s.updates[i]),
                 {{"group", g.name}, {"result", std::string(to_string(kAllUpdateResults[i]))}});
  sink.gauge("hawatch_failover_last_transition_timestamp_seconds",
             "When the group last changed (0: never).", unix_seconds(s.last_change), l);
  if (s.healthy)
    sink.gauge("hawatch_failover_healthy", "The group's last health result (1 healthy).",
               *s.healthy ? 1 : 0, l);
  if (s.dns_answering)
    sink.gauge("hawatch_failover_dns_up",
               "1 while the group's DNS server answered the latest read or update of the record.",
               *s.dns_answering ? 1 : 0, l);
  sink.gauge("hawatch_failover_consecutive_failures",
             "Unhealthy results in a row, counted against fail_after.", s.consecutive_failures, l);
  sink.gauge("hawatch_failover_split_brain_guard",
             "1 while the node reaches neither the DNS server nor its gateway and takes no action.",
             s.split_brain_guard ? 1 : 0, l);
  sink.gauge("hawatch_failover_dry_run", "1 when the group decides and logs but writes nothing.",
             g.dry_run ? 1 : 0, l);
}

const std::string& serving(const GroupConfig& g, State s) {
  return state_value(s) == 1 ? g.backup : g.primary;
}

std::string_view code_of(RequestOutcome o) {
  switch (o) {
    case RequestOutcome::accepted:
      return "accepted";
    case RequestOutcome::already:
      return "already";
    case RequestOutcome::held:
      return "held";
    case RequestOutcome::busy:
      return "busy";
    case RequestOutcome::unknown_state:
      return "unknown_state";
  }
  return "unknown_state";
}

ActionReply reply(const std::shared_ptr<GroupRunner>& runner, const std::string& group,
                  bool fail_over, const std::string& reason) {
  if (!runner) return {404, "unknown failover group \"" + group + "\"", "", "unknown_group"};
  const auto r = runner->request(fail_over, reason);
  return {r.outcome == RequestOutcome::accepted ? 200 : 409, r.message,
          std::string(to_string(r.state)), std::string(code_of(r.outcome))};
}

// The DNS server's error may quote its answer or an exec hook's stderr: outside text.
std::string dns_server_text(const GroupStatus& s) {
  if (!s.dns_answering) return "not asked yet";
  return *s.dns_answering ? "answering" : "not answering: " + printable_text(s.dns_error, 200);
}

}  // namespace

Alert transition_alert(const GroupConfig& group, const Decision& d) {
  Alert a;
  a.labels = {{"alertname", "FailoverTransition"},
              {"group", group.name},
              {"from", std::string(to_string(d.from))},
              {"to", std::string(to_string(d.to))},
              {"severity", "critical"}};
  if (d.dry_run) a.labels["dry_run"] = "true";
  const std::string value = d.to == State::failed_over ? group.backup : group.primary;
  a.annotations = {
      {"summary", "failover group " + group.name + ": " + std::string(to_string(d.from)) + " -> " +
                      std::string(to_string(d.to)) + " (" + group.record.name + " " +
                      group.record.type + " " + value + ")" + (d.dry_run ? " [dry run]" : "")},
      {"reason", d.reason},
      {"record", group.record.name},
      {"value", value}};
  a.starts_at = d.at;
  a.ends_at = d.at + kTransitionAlertLifetime;
  a.updated_at = d.at;
  return a;
}

FailoverService::FailoverService(std::shared_ptr<SnapshotStore> store, ServiceOptions options)
    : store_(std::move(store)),
      options_(std::move(options)),
      audit_(options_.state_directory.empty() ? std::filesystem::path()
                                              : options_.state_directory / "failover-audit.jsonl") {
}

FailoverService::~FailoverService() {
  stop();
}

void FailoverService::configure(std::vector<GroupConfig> groups) {
  std::vector<std::shared_ptr<GroupRunner>> retired;
  std::vector<std::shared_ptr<GroupRunner>> started;
  {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::shared_ptr<GroupRunner>> next;
    for (auto& g : groups) {
      auto it = runners_.find(g.name);
      if (it != runners_.end()) {
        const GroupConfig old = it->second->config();
        const bool same_record = old.record.name == g.record.name &&
                                 old.record.type == g.record.type && old.primary == g.primary &&
                                 old.backup == g.backup;
        if (same_record) {
          it->second->reconfigure(g);
          next[g.name] = it->second;
          runners_.erase(it);
          continue;
        }
      }
      const auto state_file = options_.state_directory.empty()
                                  ? std::filesystem::path()
                                  : state_file_path(options_.state_directory, g.name);
      const std::string name = g.name;
      auto runner = std::make_shared<GroupRunner>(
          std::move(g), options_.timing, state_file,
          [this](const GroupConfig& cfg, const std::vector<Decision>& d) {
            on_decisions(cfg.name, d);
          });
      started.push_back(runner);
      next[name] = std::move(runner);
    }
    for (auto& [name, runner] : runners_) retired.push_back(runner);
    runners_ = std::move(next);
  }
  // Outside mutex_: a stopping thread may be publishing, which takes it.
  for (auto& r : retired) r->stop();
  for (auto& r : started) r->start();
  publish();
}

void FailoverService::stop() {
  std::map<std::string, std::shared_ptr<GroupRunner>> runners;
  {
    std::lock_guard lock(mutex_);
    runners = runners_;
  }
  for (auto& [name, runner] : runners) runner->stop();
}

bool FailoverService::empty() const {
  std::lock_guard lock(mutex_);
  return runners_.empty();
}

void FailoverService::set_generation(std::uint64_t generation) {
  {
    std::lock_guard lock(mutex_);
    generation_ = generation;
  }
  publish();
}

void FailoverService::set_on_transition(std::function<void(std::vector<Alert>)> callback) {
  std::lock_guard lock(mutex_);
  options_.on_transition = std::move(callback);
}

std::shared_ptr<GroupRunner> FailoverService::find(const std::string& group) const {
  std::lock_guard lock(mutex_);
  auto it = runners_.find(group);
  return it == runners_.end() ? nullptr : it->second;
}

void FailoverService::observe(const CollectorOutcome& outcome) {
  if (outcome.collector == kFailoverUnit) return;
  std::map<std::string, std::shared_ptr<GroupRunner>> runners;
  {
    std::lock_guard lock(mutex_);
    runners = runners_;
  }
  if (outcome.collector == "network") {
    const auto reachable = gateway_reachable(outcome);
    for (auto& [name, r] : runners) r->set_gateway(reachable);
    return;
  }
  for (auto& [name, r] : runners) {
    const auto health = r->config().health;
    if (health.kind == HealthSource::Kind::probe && outcome.collector == "probes/" + health.name) {
      auto [healthy, detail] = probe_health(outcome, health.name);
      r->push_health(healthy, std::move(detail));
    } else if (health.kind == HealthSource::Kind::alert && outcome.collector == "rules") {
      const bool firing = alert_firing(outcome, health.name);
      r->push_health(!firing, firing ? "alert " + health.name + " is firing" : "");
    }
  }
}

void FailoverService::on_decisions(const std::string& group,
                                   const std::vector<Decision>& decisions) {
  std::vector<Alert> alerts;
  std::function<void(std::vector<Alert>)> callback;
  std::shared_ptr<GroupRunner> runner = find(group);
  for (const auto& d : decisions) {
    audit_.write(group, d);
    if (d.transition && runner) alerts.push_back(transition_alert(runner->config(), d));
  }
  {
    std::lock_guard lock(mutex_);
    callback = options_.on_transition;
  }
  if (!alerts.empty() && callback) callback(std::move(alerts));
  publish();
}

void FailoverService::publish() {
  std::lock_guard order(publish_mutex_);
  std::map<std::string, std::shared_ptr<GroupRunner>> runners;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    runners = runners_;
    generation = generation_;
  }
  if (generation == 0 || runners.empty()) return;
  MetricSink sink;
  for (const auto& [name, r] : runners) group_metrics(sink, r->config(), r->status());
  CollectorOutcome o;
  o.collector = kFailoverUnit;
  o.success = true;
  o.finished_at = std::chrono::system_clock::now();
  // Every group thread republishes at least every 5 s.
  o.stale_at = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  set_samples(o, sink.families(), *store_);
  store_->publish(generation, std::move(o));
}

ActionReply FailoverService::fail_over(const std::string& group, const std::string& reason) {
  auto runner = find(group);
  return reply(find(group), group, true, reason);
}

ActionReply FailoverService::fail_back(const std::string& group, const std::string& reason) {
  auto runner = find(group);
  return reply(find(group), group, false, reason);
}

std::string FailoverService::state_json() const {
  std::map<std::string, std::shared_ptr<GroupRunner>> runners;
  {
    std::lock_guard lock(mutex_);
    runners = runners_;
  }
  JsonWriter w;
  w.begin_object().key("groups").begin_array();
  for (const auto& [name, r] : runners) {
    const auto g = r->config();
    const auto s = r->status();
    w.begin_object().key("name").value(g.name).key("state").value(to_string(s.state));
    w.key("record")
        .begin_object()
        .key("zone")
        .value(g.record.zone)
        .key("name")
        .value(g.record.name)
        .key("type")
        .value(g.record.type)
        .end_object();
    w.key("primary").value(g.primary).key("backup").value(g.backup);
    if (s.state != State::unknown) w.key("serving").value(serving(g, s.state));
    if (s.served) {
      w.key("served").begin_array();
      for (const auto& v : *s.served) w.value(v);
      w.end_array();
    }
    w.key("health").value((g.health.kind == HealthSource::Kind::probe ? "probe:" : "alert:") +
                          g.health.name);
    if (s.healthy) w.key("healthy").value(*s.healthy);
    w.key("consecutive_failures")
        .value(s.consecutive_failures)
        .key("consecutive_successes")
        .value(s.consecutive_successes)
        .key("fail_after")
        .value(g.fail_after)
        .key("failback")
        .value(g.failback_mode == FailbackMode::automatic ? "auto" : "manual")
        .key("transitions")
        .value(s.transitions);
    if (s.last_change != Time{}) w.key("last_change").value(format_rfc3339(s.last_change));
    w.key("split_brain_guard")
        .value(s.split_brain_guard)
        .key("dry_run")
        .value(g.dry_run)
        .key("last_reason")
        .value(s.last_reason);
    if (s.dns_answering) {
      w.key("dns_server").begin_object().key("answering").value(*s.dns_answering);
      if (!*s.dns_answering) w.key("error").value(printable_text(s.dns_error, 200));
      w.end_object();
    }
    w.key("dns_updates").begin_object();
    for (std::size_t i = 0; i < kAllUpdateResults.size(); ++i)
      w.key(to_string(kAllUpdateResults[i])).value(s.updates[i]);
    w.end_object().end_object();
  }
  w.end_array().end_object();
  return w.take();
}

std::string FailoverService::status_html() const {
  std::map<std::string, std::shared_ptr<GroupRunner>> runners;
  {
    std::lock_guard lock(mutex_);
    runners = runners_;
  }
  if (runners.empty()) return {};
  std::string out =
      "<h2>DNS failover</h2>\n<table><tr><th>group</th><th>record</th><th>state</th>"
      "<th>serving</th><th>health</th><th>transitions</th><th>last change</th><th>last "
      "decision</th><th>DNS server</th></tr>\n";
  for (const auto& [name, r] : runners) {
    const auto g = r->config();
    const auto s = r->status();
    const bool dns_down = s.dns_answering == false;
    const bool bad = s.state != State::primary || s.split_brain_guard || dns_down;
    std::string health = s.healthy ? (*s.healthy ? "healthy" : "unhealthy") : "no result yet";
    if (s.consecutive_failures)
      health += " (" + std::to_string(s.consecutive_failures) + "/" + std::to_string(g.fail_after) +
                " failed)";
    if (s.split_brain_guard) health += "; split-brain guard active";
    out += std::string("<tr") + (bad ? " class=\"firing\"" : "") + "><td>" + html_escape(g.name) +
           (g.dry_run ? " (dry run)" : "") + "</td><td>" +
           html_escape(g.record.name + " " + g.record.type) + "</td><td>" +
           std::string(to_string(s.state)) + "</td><td>" +
           html_escape(s.state == State::unknown ? "?" : serving(g, s.state)) + "</td><td>" +
           html_escape(health) + "</td><td>" + std::to_string(s.transitions) + "</td><td>" +
           (s.last_change == Time{} ? "never" : html_escape(format_rfc3339(s.last_change))) +
           "</td><td>" + html_escape(s.last_reason) + "</td><td>" +
           html_escape(dns_server_text(s)) + "</td></tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace hawatch::alerting::failover
