#include "service/alerting_service.h"

#include <algorithm>
#include <array>
#include <limits>
#include <set>

#include "core/exposition.h"
#include "core/log.h"
#include "core/metric_sink.h"
#include "core/snapshot.h"

namespace hawatch::alerting {

namespace {

// hawatch_notification_latency_seconds: from entering the spool to delivery. Local delivery
// takes milliseconds; retries after an outage take minutes to the deadline.
constexpr std::array<double, 14> kLatencyBuckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                 1,     2.5,  5,     10,   60,  300,  1800};
constexpr std::size_t kKeptEvents = 20;
// Resolved alerts are kept this long for the API and a reload's new dispatcher.
constexpr Duration kResolvedRetention = std::chrono::minutes(15);

std::string kind_of(const std::string& integration_id) {
  return integration_id.substr(0, integration_id.find('/'));
}

}  // namespace

struct AlertingService::Routing {
  std::shared_ptr<const Route> route;
  std::unique_ptr<Inhibitor> inhibitor;
  std::unique_ptr<NotificationPipeline> pipeline;
  std::unique_ptr<Dispatcher> dispatcher;
  std::unique_ptr<DispatchLoop> loop;  // last: stopped first
  TimeIntervals time_intervals;
  std::vector<std::string> receivers;
  std::set<std::pair<std::string, std::string>> integration_kinds;  // (receiver, kind)
  ~Routing() { loop.reset(); }
};

struct AlertingService::Stats {
  mutable std::mutex mutex;
  std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};
  std::uint64_t latency_count = 0;
  double latency_sum = 0;
  std::map<std::string, std::uint64_t> received;  // by source
  std::map<std::string, std::uint64_t> refused;
  std::deque<NotificationEvent> events;
};

AlertingService::AlertingService(AlertingConfig config, std::vector<ReceiverConfig> receivers,
                                 Options options)
    : options_(std::move(options)),
      started_at_(Clock::now()),
      config_(std::move(config)),
      store_(options_.max_alerts),
      stats_(std::make_unique<Stats>()) {
  if (!config_.route) throw std::invalid_argument("alerting service without a route");
  silences_ = std::make_unique<Silences>(Silences::Options{config_.silences_file});
  nflog_ =
      std::make_unique<NotificationLog>(NotificationLog::Options{config_.notification_log_file});
  Spool::Options so;
  so.directory = config_.spool_directory;
  so.deadline = config_.delivery.deadline;
  so.initial_backoff = config_.delivery.initial_backoff;
  so.max_backoff = config_.delivery.max_backoff;
  so.on_delivered = [this](const SpoolRecord& r, Duration) { on_delivered(r); };
  so.on_given_up = [this](const SpoolRecord& r, const std::string& d) { on_given_up(r, d); };
  // Only the worker resolves, and it is stopped while routing_ is replaced.
  spool_ = std::make_unique<Spool>(
      so,
      [this](const std::string& r, const std::string& i) -> Integration* {
        return routing_ ? routing_->pipeline->find(r, i) : nullptr;
      },
      Clock::now());
  routing_ = build_routing(std::move(receivers));
  start_worker();
  publisher_ = std::thread([this] { publish_loop(); });
}

AlertingService::~AlertingService() {
  {
    const std::lock_guard lock(publish_mutex_);
    stopping_ = true;
  }
  publish_wake_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  stop_worker();
  const std::lock_guard lock(routing_mutex_);
  routing_.reset();
}

std::unique_ptr<AlertingService::Routing> AlertingService::build_routing(
    std::vector<ReceiverConfig> receivers) {
  auto r = std::make_unique<Routing>();
  AlertingConfig c = config();
  r->route = c.route;
  r->time_intervals = c.time_intervals;
  for (const ReceiverConfig& rc : receivers) {
    r->receivers.push_back(rc.name);
    for (const auto& i : rc.integrations) r->integration_kinds.emplace(rc.name, i->kind());
  }
  r->inhibitor = std::make_unique<Inhibitor>(c.inhibit_rules);
  PipelineParts parts{r->inhibitor.get(),
                      silences_.get(),
                      &r->time_intervals,
                      nflog_.get(),
                      spool_.get(),
                      {},
                      [this] {
                        const std::lock_guard lock(worker_mutex_);
                        if (worker_) worker_->wake();
                      }};
  r->pipeline = std::make_unique<NotificationPipeline>(std::move(parts), std::move(receivers));
  r->dispatcher = std::make_unique<Dispatcher>(
      r->route, [p = r->pipeline.get()](const GroupNotification& n) { return p->notify(n); });
  r->loop = std::make_unique<DispatchLoop>(*r->dispatcher);
  return r;
}

void AlertingService::start_worker() {
  const std::lock_guard lock(worker_mutex_);
  worker_ = std::make_unique<SpoolWorker>(*spool_);
}

void AlertingService::stop_worker() {
  std::unique_ptr<SpoolWorker> stopping;
  {
    const std::lock_guard lock(worker_mutex_);
    stopping = std::move(worker_);
  }
  stopping.reset();  // joins, outside the lock: a delivery may be raising an alert
}

std::vector<std::string> AlertingService::reconfigure(AlertingConfig next,
                                                      std::vector<ReceiverConfig> receivers) {
  if (!next.route) throw std::invalid_argument("alerting service without a route");
  std::vector<std::string> warnings;
  {
    const std::lock_guard lock(config_mutex_);
    const auto keep = [&](auto AlertingConfig::*member, const char* key) {
      if (next.*member != config_.*member) {
        warnings.push_back(std::string("alerting.") + key + " changes take effect after a restart");
        next.*member = config_.*member;
      }
    };
    keep(&AlertingConfig::spool_directory, "spool_directory");
    keep(&AlertingConfig::silences_file, "silences_file");
    keep(&AlertingConfig::notification_log_file, "notification_log_file");
    config_ = std::move(next);
  }
  stop_worker();
  {
    const std::lock_guard lock(routing_mutex_);
    routing_.reset();  // its loop stops before the new one starts
    routing_ = build_routing(std::move(receivers));
    std::vector<Alert> held;
    for (const StoredAlert& s : store_.list()) {
      routing_->inhibitor->observe(s.alert);
      held.push_back(s.alert);
    }
    routing_->loop->insert(held);
  }
  start_worker();
  return warnings;
}

InsertResult AlertingService::insert(const std::vector<Alert>& alerts, const std::string& source) {
  InsertResult result;
  const Time now = Clock::now();
  std::vector<Alert> merged;
  merged.reserve(alerts.size());
  const std::lock_guard lock(routing_mutex_);
  if (!routing_) return {0, alerts.size()};
  for (const Alert& a : alerts) {
    auto held = store_.put(a, source, now);
    if (!held) {
      ++result.refused;
      continue;
    }
    routing_->inhibitor->observe(*held);
    merged.push_back(std::move(*held));
  }
  if (!routing_->loop->insert(merged)) {
    log::warn("alerting: a dispatcher limit refused alerts", {{"source", source}});
  }
  result.accepted = merged.size();
  const std::lock_guard stats(stats_->mutex);
  stats_->received[source] += result.accepted;
  if (result.refused) stats_->refused[source] += result.refused;
  return result;
}

void AlertingService::set_generation(std::uint64_t generation) {
  {
    const std::lock_guard lock(publish_mutex_);
    generation_ = generation;
  }
  publish_wake_.notify_all();
}

std::vector<AlertView> AlertingService::alerts(Time now) const {
  std::vector<AlertView> out;
  const std::lock_guard lock(routing_mutex_);
  for (StoredAlert& s : store_.list()) {
    if (s.alert.resolved_at(now)) continue;
    AlertView v{std::move(s.alert), std::move(s.source), {}, {}, {}};
    if (routing_) {
      for (const Route* r : routing_->route->match(v.alert.labels)) {
        if (std::find(v.receivers.begin(), v.receivers.end(), r->options().receiver) ==
            v.receivers.end())
          v.receivers.push_back(r->options().receiver);
      }
      if (auto fp = routing_->inhibitor->inhibited_by(v.alert.labels, now))
        v.inhibited_by.push_back(format_fingerprint(*fp));
    }
    v.silenced_by = silences_->muted_by(v.alert.labels, now);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<GroupInfo> AlertingService::groups() const {
  const std::lock_guard lock(routing_mutex_);
  return routing_ ? routing_->dispatcher->groups() : std::vector<GroupInfo>{};
}

std::vector<std::string> AlertingService::receiver_names() const {
  const std::lock_guard lock(routing_mutex_);
  return routing_ ? routing_->receivers : std::vector<std::string>{};
}

std::vector<NotificationEvent> AlertingService::last_notifications() const {
  const std::lock_guard lock(stats_->mutex);
  return {stats_->events.rbegin(), stats_->events.rend()};  // newest first
}

AlertingConfig AlertingService::config() const {
  const std::lock_guard lock(config_mutex_);
  return config_;
}

void AlertingService::remember(NotificationEvent event) {
  const std::lock_guard lock(stats_->mutex);
  stats_->events.push_back(std::move(event));
  while (stats_->events.size() > kKeptEvents) stats_->events.pop_front();
}

void AlertingService::on_delivered(const SpoolRecord& record) {
  // Measured here, after the delivery, not at the start of the worker's round.
  const Time now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - record.created).count();
  {
    const std::lock_guard lock(stats_->mutex);
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i)
      if (seconds <= kLatencyBuckets[i]) ++stats_->buckets[i];
    ++stats_->latency_count;
    stats_->latency_sum += seconds;
  }
  remember({now, record.receiver, record.integration, true, seconds, ""});
}

void AlertingService::on_given_up(const SpoolRecord& record, const std::string& detail) {
  const Time now = Clock::now();
  remember({now, record.receiver, record.integration, false, 0, detail});
  // An alert of its own, so another receiver (or the status page) tells someone.
  Alert a;
  a.labels = {{"alertname", kGivenUpAlertName},
              {"receiver", record.receiver},
              {"integration", kind_of(record.integration)},
              {"severity", "warning"}};
  a.annotations = {{"summary", "A notification to receiver " + record.receiver + " (" +
                                   record.integration + ") was given up"},
                   {"description", detail.empty() ? "delivery deadline passed" : detail}};
  a.starts_at = now;
  a.updated_at = now;
  a.ends_at = now + std::max<Duration>(std::chrono::hours(1), config().resolve_timeout);
  insert({a}, "self");
}

void AlertingService::maintain(Time now) {
  silences_->gc(now);
  nflog_->gc(now);
  store_.gc(now, kResolvedRetention);
  const std::lock_guard lock(routing_mutex_);
  if (routing_) routing_->inhibitor->gc(now);
}

std::vector<prometheus::MetricFamily> AlertingService::metrics() const {
  MetricSink sink;
  // Per receiver and kind, as Alertmanager's alertmanager_notifications_total{integration}.
  std::map<std::pair<std::string, std::string>, SpoolCounters> by_kind;
  for (const auto& [key, c] : spool_->counters()) {
    SpoolCounters& s = by_kind[{key.first, kind_of(key.second)}];
    s.attempts += c.attempts;
    s.failed_attempts += c.failed_attempts;
    s.delivered += c.delivered;
    s.given_up += c.given_up;
    s.last_failed = s.last_failed || c.last_failed;  // a kind is down while any of its is
  }
  {
    // Every configured integration is served from the start, at zero.
    const std::lock_guard lock(routing_mutex_);
    if (routing_)
      for (const auto& key : routing_->integration_kinds) (void)by_kind[key];
  }
  for (const auto& [key, c] : by_kind) {
    const Labels l{{"receiver", key.first}, {"integration", key.second}};
    sink.counter("hawatch_notifications_total", "Notification delivery attempts.",
                 static_cast<double>(c.attempts), l);
    sink.counter("hawatch_notifications_failed_total",
                 "Notification delivery attempts that failed.",
                 static_cast<double>(c.failed_attempts), l);
    sink.counter("hawatch_notifications_delivered_total", "Notifications delivered.",
                 static_cast<double>(c.delivered), l);
    sink.counter("hawatch_notifications_given_up_total",
                 "Notifications given up after their deadline or a permanent refusal.",
                 static_cast<double>(c.given_up), l);
    sink.gauge("hawatch_notification_receiver_up",
               "1 unless the latest delivery attempt to this receiver's integration failed.",
               c.last_failed ? 0 : 1, l);
  }
  const SpoolCounters t = spool_->totals();
  sink.gauge("hawatch_notification_queue_length", "Notifications in the spool, not yet delivered.",
             static_cast<double>(spool_->size()));
  sink.counter("hawatch_notification_spool_errors_total",
               "Notifications the spool could not store (disk full, spool full).",
               static_cast<double>(t.write_errors));
  sink.counter("hawatch_notification_spool_corrupt_total",
               "Unreadable spool records set aside at start.", static_cast<double>(t.corrupt));
  {
    const std::lock_guard lock(stats_->mutex);
    auto& fam =
        sink.family("hawatch_notification_latency_seconds",
                    "Time from entering the spool to delivery.", prometheus::MetricType::Histogram);
    prometheus::ClientMetric m;
    m.histogram.sample_count = stats_->latency_count;
    m.histogram.sample_sum = stats_->latency_sum;
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i)
      m.histogram.bucket.push_back({stats_->buckets[i], kLatencyBuckets[i]});
    m.histogram.bucket.push_back({stats_->latency_count, std::numeric_limits<double>::infinity()});
    fam.metric.push_back(std::move(m));
    for (const auto& [source, n] : stats_->received)
      sink.counter("hawatch_alerting_alerts_received_total", "Alerts taken in, by sender.",
                   static_cast<double>(n), {{"source", source}});
    for (const auto& [source, n] : stats_->refused)
      sink.counter("hawatch_alerting_alerts_refused_total",
                   "Alerts refused because the alert store was full.", static_cast<double>(n),
                   {{"source", source}});
  }
  const Time now = Clock::now();
  std::map<std::string, int> silence_states{{"active", 0}, {"pending", 0}, {"expired", 0}};
  for (const Silence& s : silences_->list()) ++silence_states[std::string(to_string(s.state(now)))];
  for (const auto& [state, n] : silence_states)
    sink.gauge("hawatch_silences", "Silences by state.", n, {{"state", state}});
  sink.gauge("hawatch_alerting_alerts", "Alerts held by the router (firing and recently resolved).",
             static_cast<double>(store_.size()));
  sink.gauge("hawatch_alerting_groups", "Aggregation groups.",
             static_cast<double>(groups().size()));
  return sink.take();
}

void AlertingService::publish() {
  if (!options_.store) return;
  std::uint64_t generation = 0;
  {
    const std::lock_guard lock(publish_mutex_);
    generation = generation_;
  }
  if (generation == 0) return;
  const auto started = std::chrono::steady_clock::now();
  CollectorOutcome o;
  o.collector = kAlertingUnit;
  o.success = true;
  set_samples(o, metrics(), *options_.store);
  o.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  o.finished_at = std::chrono::system_clock::now();
  o.stale_at =
      std::chrono::steady_clock::now() + 10 * options_.publish_interval + std::chrono::seconds(10);
  options_.store->publish(generation, std::move(o));
}

void AlertingService::publish_loop() {
  std::unique_lock lock(publish_mutex_);
  while (!stopping_) {
    const std::uint64_t seen = generation_;
    lock.unlock();
    try {
      maintain(Clock::now());
      publish();
    } catch (const std::exception& e) {
      log::error("alerting maintenance failed", {{"err", e.what()}});
    }
    lock.lock();
    // A reload's generation is published at once: the store drops the old generation's outcomes,
    // so waiting for the tick would serve the unit a whole interval late.
    publish_wake_.wait_for(lock, options_.publish_interval,
                           [&] { return stopping_ || generation_ != seen; });
  }
}

}  // namespace hawatch::alerting
