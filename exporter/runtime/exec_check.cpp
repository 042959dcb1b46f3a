#include "exec_check.h"

#include <set>

#include "core/log.h"
#include "nagios_output.h"
#include "prom_emit.h"
#include "core/prom_text.h"

namespace hawatch::plugins {
namespace {

using Clock = std::chrono::steady_clock;

std::string first_line(const std::string& s) {
  auto nl = s.find('\n');
  std::string line = s.substr(0, nl == std::string::npos ? s.size() : nl);
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return line;
}

std::string describe_failure(const ExecResult& r, Duration timeout) {
  if (!r.started) return "cannot start: " + r.start_error;
  if (r.timed_out)
    return "timed out after " + std::to_string(std::chrono::duration<double>(timeout).count()) +
           "s; process group killed";
  if (r.signal) return "killed by signal " + std::to_string(*r.signal);
  return {};
}

Labels with(Labels base, std::string name, std::string value) {
  base.push_back(Label{std::move(name), std::move(value)});
  return base;
}

void emit_range(MetricSink& sink, const Labels& labels, const char* level, const NagiosRange& r) {
  const Labels l = with(labels, "level", level);
  const char* alert = r.inside ? "inside" : "outside";
  sink.gauge("hawatch_check_perfdata_threshold",
             "Nagios warning/critical range bounds of a perfdata value, in base units; the check "
             "alerts when the value is outside (or inside, alert=\"inside\") [lower, upper].",
             r.start, with(with(l, "bound", "lower"), "alert", alert));
  sink.gauge("hawatch_check_perfdata_threshold",
             "Nagios warning/critical range bounds of a perfdata value, in base units; the check "
             "alerts when the value is outside (or inside, alert=\"inside\") [lower, upper].",
             r.end, with(with(l, "bound", "upper"), "alert", alert));
}

}  // namespace

std::vector<std::string> exec_environment(const std::string& check, Duration timeout,
                                          const Environment& env) {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "LC_ALL=C",
          "HAWATCH_CHECK=" + check,
          "HAWATCH_TIMEOUT_SECONDS=" + std::to_string(std::chrono::duration<double>(timeout).count()),
          "HAWATCH_NODE_NAME=" + env.node_name,
          "HAWATCH_ROOTFS=" + env.rootfs.string(),
          "HAWATCH_PROCFS=" + env.procfs.string(),
          "HAWATCH_SYSFS=" + env.sysfs.string()};
}

ExecCheck::ExecCheck(ExecCheckSpec spec)
    : spec_(std::move(spec)),
      labels_{Label{"plugin", spec_.name}, Label{"check", spec_.name}},
      health_(std::chrono::duration_cast<std::chrono::milliseconds>(spec_.interval),
              std::max<std::chrono::milliseconds>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(spec_.interval),
                  std::chrono::minutes(5))) {}

void ExecCheck::collect(const CollectContext& ctx, MetricSink& sink,
                        std::vector<CollectProblem>& problems) {
  const auto now = Clock::now();
  if (health_.in_backoff(now)) {
    problems.push_back({"exec/" + spec_.name + ": backing off after " +
                        std::to_string(health_.consecutive_failures()) + " failures; next attempt in " +
                        std::to_string(health_.backoff_left(now).count()) + "ms"});
    health_.emit(sink, labels_);
    if (spec_.format == ExecFormat::nagios)
      sink.gauge("hawatch_check_status", "Nagios status of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
                 3, labels_);
    return;
  }
  ExecRequest req;
  req.argv = spec_.command;
  req.environment = spec_.environment;
  // Leave the grace period inside the unit's timeout so the kill completes before the scheduler
  // gives up on the run.
  const auto grace = std::min<Duration>(std::chrono::milliseconds(500), spec_.timeout / 4);
  req.kill_grace = std::chrono::duration_cast<std::chrono::milliseconds>(grace);
  req.deadline = std::min(ctx.deadline, now + spec_.timeout) - grace;
  req.output_cap = spec_.output_cap;
  const ExecResult r = run_command(req);
  const double seconds = r.duration.count();

  std::string failure = describe_failure(r, spec_.timeout);
  if (failure.empty() && spec_.format == ExecFormat::prometheus && r.exit_code != 0)
    failure = "exited with code " + std::to_string(r.exit_code.value_or(-1)) +
              (r.errors.empty() ? "" : ": " + first_line(r.errors));
  if (r.output_truncated)
    problems.push_back({"exec/" + spec_.name + ": output longer than " + std::to_string(spec_.output_cap) +
                        " bytes; the rest was dropped"});
  if (!failure.empty()) {
    health_.failed(seconds, r.timed_out, Clock::now());
    problems.push_back({"exec/" + spec_.name + ": " + failure});
    log::warn("exec check failed", {{"check", spec_.name}, {"err", failure}});
    health_.emit(sink, labels_);
    if (spec_.format == ExecFormat::nagios)
      sink.gauge("hawatch_check_status", "Nagios status of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
                 3, labels_);
    return;
  }
  health_.succeeded(seconds);
  health_.emit(sink, labels_);
  if (spec_.format == ExecFormat::nagios) emit_nagios(r, sink, problems);
  else emit_prometheus(r, sink, problems);
}

void ExecCheck::emit_nagios(const ExecResult& r, MetricSink& sink, std::vector<CollectProblem>& problems) {
  const NagiosOutput out = parse_nagios_output(*r.exit_code, r.output);
  sink.gauge("hawatch_check_status", "Nagios status of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
             out.status, labels_);
  if (!out.reason.empty()) {
    problems.push_back({"exec/" + spec_.name + ": " + out.reason + " (UNKNOWN)" +
                        (out.summary.empty() ? "" : ": " + first_line(out.summary))});
  }
  if (out.status != last_status_)
    log::info("check status", {{"check", spec_.name}, {"status", nagios_status_name(out.status)},
                               {"output", first_line(out.summary)}});
  last_status_ = out.status;
  for (const auto& p : out.problems) problems.push_back({"exec/" + spec_.name + ": perfdata " + p});
  std::set<std::string> seen;
  for (const auto& d : out.perfdata) {
    if (!seen.insert(d.label).second) {
      problems.push_back({"exec/" + spec_.name + ": perfdata label '" + d.label + "' given twice"});
      continue;
    }
    const Labels l = with(labels_, "label", d.label);
    const std::string unit = perf_unit_name(d.unit);
    const std::string name = "hawatch_check_perfdata" + (unit.empty() ? "" : "_" + unit);
    const std::string help = "Nagios perfdata value of the check, converted to base units.";
    if (d.unit == PerfUnit::counter) sink.counter(name, help, d.value, l);
    else sink.gauge(name, help, d.value, l);
    if (d.warning) emit_range(sink, l, "warning", *d.warning);
    if (d.critical) emit_range(sink, l, "critical", *d.critical);
    if (d.min) sink.gauge("hawatch_check_perfdata_min", "Nagios perfdata minimum, in base units.", *d.min, l);
    if (d.max) sink.gauge("hawatch_check_perfdata_max", "Nagios perfdata maximum, in base units.", *d.max, l);
  }
}

void ExecCheck::emit_prometheus(const ExecResult& r, MetricSink& sink, std::vector<CollectProblem>& problems) {
  PromText text = parse_prometheus_text(r.output);
  for (const auto& e : text.errors)
    problems.push_back({"exec/" + spec_.name + ": output line " + std::to_string(e.line) + ": " + e.message});
  if (text.more_errors)
    problems.push_back({"exec/" + spec_.name + ": " + std::to_string(text.more_errors) +
                        " more bad output lines"});
  // Like node_exporter's textfile collector: a client-side timestamp would make Prometheus store
  // the sample at the wrong time, so such samples are refused.
  for (auto& fam : text.families) {
    const auto before = fam.samples.size();
    std::erase_if(fam.samples, [](const PromSample& s) { return s.timestamp_ms.has_value(); });
    if (fam.samples.size() != before)
      problems.push_back({"exec/" + spec_.name + ": " + fam.name + ": client-side timestamps are not supported; samples dropped"});
  }
  std::vector<std::string> emit_problems;
  emit_families(text.families, sink, "exec/" + spec_.name, emit_problems);
  for (auto& p : emit_problems) problems.push_back({std::move(p)});
}

}  // namespace hawatch::plugins
