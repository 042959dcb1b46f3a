#pragma once
// What every probe kind (http, tcp, icmp, dns, peer) shares: the outcome of one attempt, the
// interface a kind implements, and the collector that runs one probe as its own scheduled unit
// and adds the common series (success, duration, consecutive failures, last success).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/collector.h"

namespace hawatch::probe {

// One attempt's result. `reason` is a fixed keyword (one of the kind's failure_reasons()) so that
// rules can tell "refused" from "timeout" from "wrong JSON"; `detail` is the human message.
struct Outcome {
  bool success = false;
  std::string reason;
  std::string detail;

  static Outcome ok() { return {true, {}, {}}; }
  static Outcome fail(std::string reason, std::string detail) {
    return {false, std::move(reason), std::move(detail)};
  }
};

// Reasons every kind may report: the probe could not run at all on this host (a local problem,
// also reported as hawatch_collector_success 0).
inline constexpr const char* kReasonError = "error";

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string kind() const = 0;
  // Every reason run() may return, so each gets a 0/1 series and none appears out of nowhere.
  virtual std::vector<std::string> failure_reasons() const = 0;
  // Performs one attempt, finishing by `deadline`. Kind-specific samples go into `sink` with
  // `labels` (the probe label) first. Throws only for local problems (bad CA file, ICMP
  // sockets forbidden); an unreachable or unhealthy target is an Outcome, not an exception.
  virtual Outcome run(std::chrono::steady_clock::time_point deadline, MetricSink& sink,
                      const Labels& labels) = 0;
};

// What a kind's factory gets: its own section (e.g. the mapping under `http:`), where to report
// problems, and the host environment.
struct KindArgs {
  const YAML::Node& options;
  ConfigContext& ctx;
  std::string where;  // e.g. "collectors.probes[0].http"
  const Environment& env;
};

// Each kind's factory, defined in probe_<kind>.cpp. Report problems into args.ctx; may return
// null when the options are invalid.
std::unique_ptr<Probe> make_http_probe(const KindArgs& args);
std::unique_ptr<Probe> make_peer_probe(const KindArgs& args);
std::unique_ptr<Probe> make_tcp_probe(const KindArgs& args);
std::unique_ptr<Probe> make_icmp_probe(const KindArgs& args);
std::unique_ptr<Probe> make_dns_probe(const KindArgs& args);

// Runs one probe per collection and remembers what the series need across runs.
class ProbeCollector final : public Collector {
 public:
  ProbeCollector(std::string name, std::unique_ptr<Probe> probe)
      : name_(std::move(name)), probe_(std::move(probe)) {}

  void collect(const CollectContext& ctx, MetricSink& sink,
               std::vector<CollectProblem>& problems) override;

 private:
  void log_transition(const Outcome& outcome);

  std::string name_;
  std::unique_ptr<Probe> probe_;
  // Runs of one unit never overlap (the scheduler guarantees it), so no lock is needed.
  long consecutive_failures_ = 0;
  double last_success_seconds_ = 0;
  bool ever_ran_ = false;
  std::string last_state_;  // "" = ok, else the failure reason; logged when it changes
};

// The probe's own deadline: a little before the scheduler's, so that a slow target yields
// probe_success 0 with a reason instead of a timed-out (and therefore empty) collector run.
std::chrono::steady_clock::time_point probe_deadline(const CollectContext& ctx);

}  // namespace hawatch::probe
