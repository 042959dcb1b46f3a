#pragma once
// What a collector writes into: metric families in prometheus-cpp's value model.

#include <prometheus/metric_family.h>

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hawatch {

using Label = prometheus::ClientMetric::Label;
using Labels = std::vector<Label>;

class MetricSink {
 public:
  void gauge(std::string_view name, std::string_view help, double value, Labels labels = {});
  void counter(std::string_view name, std::string_view help, double value, Labels labels = {});
  // A constant-1 gauge carrying information in its labels (build_info style).
  void info(std::string_view name, std::string_view help, Labels labels) {
    gauge(name, help, 1.0, std::move(labels));
  }
  // Declares a family without samples (rarely needed; empty families are not exposed).
  prometheus::MetricFamily& family(std::string_view name, std::string_view help,
                                   prometheus::MetricType type);

  const std::vector<prometheus::MetricFamily>& families() const { return families_; }
  std::vector<prometheus::MetricFamily> take();
  bool empty() const { return families_.empty(); }

 private:
  std::vector<prometheus::MetricFamily> families_;
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace hawatch
