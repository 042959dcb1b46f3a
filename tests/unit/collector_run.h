#pragma once
// Test helper: build a registered collector from YAML options, run it once against a fixture
// tree, and look up exact series in what it emitted.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"

namespace hawatch::test {

inline Environment fixture_tree(const std::filesystem::path& dir) {
  Environment env;
  env.procfs = dir / "proc";
  env.sysfs = dir / "sys";
  env.rootfs = dir;
  return env;
}

// Builds collector `name` from YAML options ("" = no options section); null when rejected.
inline std::unique_ptr<Collector> make_collector(const std::string& name, const Environment& env,
                                                 const std::string& yaml, ConfigContext& ctx) {
  const CollectorDescriptor* d = CollectorRegistry::find(name);
  BOOST_REQUIRE(d != nullptr);
  BOOST_REQUIRE(static_cast<bool>(d->create));
  const YAML::Node options = yaml.empty() ? YAML::Node() : YAML::Load(yaml);
  const CollectorArgs args{options, ctx, env, "collectors." + name};
  return d->create(args);
}

struct Run {
  MetricSink sink;
  std::vector<CollectProblem> problems;

  const prometheus::MetricFamily* family(const std::string& name) const {
    for (const auto& f : sink.families())
      if (f.name == name) return &f;
    return nullptr;
  }
  // The value of the series with exactly `labels` (gauge or counter); NaN when absent.
  double value(const std::string& name, const Labels& labels = {}) const {
    const auto v = find(name, labels);
    BOOST_TEST(v.has_value(), "series of " << name << " present");
    return v.value_or(std::numeric_limits<double>::quiet_NaN());
  }
  // Like value(), and the family must be a gauge.
  double gauge(const std::string& name, const Labels& labels = {}) const {
    if (const auto* f = family(name))
      BOOST_TEST((f->type == prometheus::MetricType::Gauge), name << " is a gauge");
    return value(name, labels);
  }
  bool has(const std::string& name, const Labels& labels = {}) const { return find(name, labels).has_value(); }
  std::optional<double> find(const std::string& name, const Labels& labels = {}) const {
    const auto* f = family(name);
    if (!f) return std::nullopt;
    std::optional<double> out;
    for (const auto& m : f->metric) {
      if (m.label != labels) continue;
      BOOST_TEST(!out.has_value(), name << ": duplicate series");
      out = f->type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
    return out;
  }
  std::size_t series(const std::string& name) const {
    const auto* f = family(name);
    return f ? f->metric.size() : 0;
  }
  bool problem_mentions(const std::string& text) const {
    return std::any_of(problems.begin(), problems.end(), [&](const CollectProblem& p) {
      return p.message.find(text) != std::string::npos;
    });
  }
  std::string all_problems() const {
    std::string out;
    for (const auto& p : problems) out += "[" + p.message + "] ";
    return out;
  }
};

inline Run run_once(Collector& c, std::chrono::milliseconds budget = std::chrono::seconds(5)) {
  Run run;
  c.collect(CollectContext{std::chrono::steady_clock::now() + budget}, run.sink, run.problems);
  return run;
}

}  // namespace hawatch::test
