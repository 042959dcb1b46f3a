#include "metric_sink.h"

#include <stdexcept>

namespace hawatch {

prometheus::MetricFamily& MetricSink::family(std::string_view name, std::string_view help,
                                             prometheus::MetricType type) {
  auto it = index_.find(std::string(name));
  if (it != index_.end()) {
    auto& fam = families_[it->second];
    if (fam.type != type)
      throw std::logic_error("metric family " + std::string(name) + " used with two types");
    return fam;
  }
  index_.emplace(std::string(name), families_.size());
  families_.push_back(prometheus::MetricFamily{std::string(name), std::string(help), type, {}});
  return families_.back();
}

void MetricSink::gauge(std::string_view name, std::string_view help, double value, Labels labels) {
  auto& fam = family(name, help, prometheus::MetricType::Gauge);
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  fam.metric.push_back(std::move(m));
}

void MetricSink::counter(std::string_view name, std::string_view help, double value,
                         Labels labels) {
  auto& fam = family(name, help, prometheus::MetricType::Counter);
  prometheus::ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = value;
  fam.metric.push_back(std::move(m));
}

std::vector<prometheus::MetricFamily> MetricSink::take() {
  index_.clear();
  return std::move(families_);
}

}  // namespace hawatch
