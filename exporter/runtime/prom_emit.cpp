#include "prom_emit.h"

#include <stdexcept>

namespace hawatch::plugins {
namespace {

prometheus::MetricType metric_type(PromType t) {
  switch (t) {
    case PromType::counter: return prometheus::MetricType::Counter;
    case PromType::gauge: return prometheus::MetricType::Gauge;
    default: return prometheus::MetricType::Untyped;
  }
}

prometheus::ClientMetric client_metric(const PromSample& s, PromType type) {
  prometheus::ClientMetric m;
  for (const auto& [k, v] : s.labels) m.label.push_back(Label{k, v});
  if (type == PromType::counter) m.counter.value = s.value;
  else if (type == PromType::gauge) m.gauge.value = s.value;
  else m.untyped.value = s.value;
  return m;
}

}  // namespace

void emit_families(const std::vector<PromFamily>& families, MetricSink& sink,
                   const std::string& where, std::vector<std::string>& problems) {
  for (const auto& fam : families) {
    for (const auto& s : fam.samples) {
      const bool whole = fam.type != PromType::histogram && fam.type != PromType::summary;
      const PromType type = whole ? fam.type : PromType::untyped;
      try {
        auto& out = sink.family(s.name, fam.help, metric_type(type));
        out.metric.push_back(client_metric(s, type));
      } catch (const std::logic_error&) {
        problems.push_back(where + ":" + std::to_string(s.line) + ": " + s.name +
                           " has another type elsewhere; sample dropped");
      }
    }
  }
}

}  // namespace hawatch::plugins
