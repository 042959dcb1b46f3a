#include "series_values.h"

namespace hawatch {

SeriesValues series_values(const std::vector<prometheus::MetricFamily>& families) {
  SeriesValues out;
  for (const auto& family : families) {
    for (const auto& metric : family.metric) {
      double value = 0;
      switch (family.type) {
        case prometheus::MetricType::Gauge:
          value = metric.gauge.value;
          break;
        case prometheus::MetricType::Counter:
          value = metric.counter.value;
          break;
        case prometheus::MetricType::Untyped:
          value = metric.untyped.value;
          break;
        default:
          continue;
      }
      SeriesValue v{family.name, {}, value};
      v.labels.reserve(metric.label.size());
      for (const auto& l : metric.label) v.labels.emplace_back(l.name, l.value);
      out.push_back(std::move(v));
    }
  }
  return out;
}

}  // namespace hawatch
