#pragma once
// The shape of the promtool-checked cases (promql_promtool_cases.h, generated from
// tests/fixtures/promql/cases.yml).

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "promql/model.h"

inline const double kNaN = std::nan("");
inline const double kInf = HUGE_VAL;
inline const double kStale = hawatch::promql::stale_nan();

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

struct CaseSeries {
  LabelPairs labels;
  std::vector<std::pair<std::int64_t, double>> points;
};
struct CaseSample {
  LabelPairs labels;
  double value;
};
struct PromtoolCase {
  std::string expr;
  std::int64_t eval_ms;
  std::vector<CaseSample> expected;
  std::string error;  // promtool's evaluation error; empty when it returned samples
};
struct PromtoolGroup {
  std::string name;
  std::vector<CaseSeries> series;
  std::vector<PromtoolCase> cases;
};
