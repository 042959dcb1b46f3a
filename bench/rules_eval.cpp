// How long one evaluation of a set of rule groups takes on hawatch's engine (bench/README.md):
//
//   bench_rules_eval shipped METRICS_FILE RULE_FILE...
//       the given rules (the shipped ones) over the series of a real /metrics text, with 15
//       minutes of 15 s history per series (counters rising, gauges as scraped);
//   bench_rules_eval synthetic [RULES] [SERIES]
//       RULES generated rules (default 1000) over SERIES synthetic series (default 10000).
//
// Prints the number of series and rules and the per-cycle time (min, p50, p99, mean) over a
// second or more of repeated evaluations at advancing timestamps.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/prom_text.h"
#include "promql/promql.h"
#include "rules/alerting_rule.h"
#include "rules/group.h"
#include "rules/rule_file.h"

namespace {

using namespace hawatch;
using Clock = std::chrono::steady_clock;
constexpr promql::Timestamp kStep = 15'000;
constexpr int kHistory = 61;  // 15 minutes

promql::Labels labels_of(const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& labels) {
  std::vector<promql::Label> items{{"__name__", name}};
  for (const auto& [k, v] : labels) items.push_back({k, v});
  return promql::Labels(std::move(items));
}

std::size_t fill_from_metrics(const std::string& path, promql::MemoryStorage& storage,
                              promql::Timestamp now) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const auto parsed = plugins::parse_prometheus_text(text.str());
  std::size_t series = 0;
  for (const auto& f : parsed.families)
    for (const auto& s : f.samples) {
      const auto labels = labels_of(s.name, s.labels);
      for (int i = kHistory - 1; i >= 0; --i) {
        const double v = f.type == plugins::PromType::counter ? s.value - i : s.value;
        storage.append(labels, now - i * kStep, v);
      }
      ++series;
    }
  return series;
}

std::size_t fill_synthetic(std::size_t count, promql::MemoryStorage& storage,
                           promql::Timestamp now) {
  for (std::size_t i = 0; i < count; ++i) {
    const auto labels =
        labels_of("bench_metric_" + std::to_string(i % 100),
                  {{"instance", "node-" + std::to_string(i / 100)}, {"kind", i % 2 ? "a" : "b"}});
    for (int k = kHistory - 1; k >= 0; --k)
      storage.append(labels, now - k * kStep, static_cast<double>((kHistory - k) * (i % 7 + 1)));
  }
  return count;
}

std::string synthetic_rules(std::size_t count) {
  // "M" stands for the metric of the rule.
  static const std::string kShapes[] = {
      "M > 100",
      "rate(M[5m]) > 0.5",
      "sum by (instance) (M) > 1000",
      "avg_over_time(M[5m]) > 10",
      "max without (kind) (M) / 2 > 50",
  };
  std::string out = "groups:\n  - name: bench\n    interval: 1s\n    rules:\n";
  for (std::size_t i = 0; i < count; ++i) {
    std::string expr = kShapes[i % 5];
    expr.replace(expr.find('M'), 1, "bench_metric_" + std::to_string(i % 100));
    out += "      - alert: Bench" + std::to_string(i) + "\n        expr: '" + expr +
           "'\n        for: 1m\n        annotations: { summary: 'value {{ $value }}' }\n";
  }
  return out;
}

void report(const std::vector<double>& ms, std::size_t series, std::size_t rules) {
  auto sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (const double v : sorted) sum += v;
  const auto at = [&](double q) {
    return sorted[static_cast<std::size_t>(q * (sorted.size() - 1))];
  };
  std::printf("series=%zu rules=%zu cycles=%zu min_ms=%.4f p50_ms=%.4f p99_ms=%.4f mean_ms=%.4f\n",
              series, rules, sorted.size(), sorted.front(), at(0.5), at(0.99), sum / sorted.size());
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (args[0] != "shipped" && args[0] != "synthetic") ||
      (args[0] == "shipped" && args.size() < 3)) {
    std::cerr << "usage: bench_rules_eval shipped METRICS_FILE RULE_FILE... | synthetic [RULES] "
                 "[SERIES]\n";
    return 2;
  }
  const promql::Timestamp now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  promql::MemoryStorage storage(std::chrono::hours(2));
  std::size_t series = 0;
  rules::RuleFiles files;
  if (args[0] == "shipped") {
    series = fill_from_metrics(args[1], storage, now);
    files = rules::read_rule_files({args.begin() + 2, args.end()}, ".");
  } else {
    const std::size_t n_rules = args.size() > 1 ? std::stoul(args[1]) : 1000;
    series = fill_synthetic(args.size() > 2 ? std::stoul(args[2]) : 10000, storage, now);
    files = rules::parse_rule_file(synthetic_rules(n_rules), "synthetic.rules.yml");
  }
  for (const auto& e : files.errors) std::cerr << e.to_string() << "\n";
  if (!files.ok()) return 1;
  std::vector<std::unique_ptr<rules::Group>> groups;
  std::size_t rule_count = 0;
  for (auto& spec : files.groups) {
    rule_count += spec.rules.size();
    groups.push_back(std::make_unique<rules::Group>(std::move(spec), std::chrono::seconds(15),
                                                    rules::TemplateContext{}));
  }
  const auto query = rules::engine_query_func(storage);
  std::vector<double> ms;
  const auto bench_start = Clock::now();
  for (promql::Timestamp t = now + 1000;
       ms.size() < 20 || Clock::now() - bench_start < std::chrono::seconds(2); t += 1000) {
    const auto start = Clock::now();
    for (auto& g : groups) g->eval(t, storage, query);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (ms.size() >= 10000) break;
  }
  report(ms, series, rule_count);
  // A rule that fails evaluates quickly: say how many did, so a fast figure is not a broken one.
  std::size_t failed = 0, alerts = 0;
  for (const auto& g : groups)
    for (const auto& r : g->rules()) {
      failed += r->last_error().has_value();
      if (const auto* a = dynamic_cast<const rules::AlertingRule*>(r.get()))
        alerts += a->alerts().size();
    }
  std::printf("rules_failed=%zu alerts_held=%zu\n", failed, alerts);
  return failed == 0 ? 0 : 1;
}
