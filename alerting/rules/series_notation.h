#pragma once
// The promtool unit-test notations: a series as `name{label="value"}` (parser.ParseMetric) and
// its values in expanding notation (parser.ParseSeriesDesc): `1 2 3`, `1+2x3` (1 3 5 7),
// `-2+4x3`, `1x3` (1 1 1 1), `_` (no sample), `_x3` (three missing), `stale`.

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "promql/model.h"

namespace hawatch::rules {

// A label set; the error names the problem and where (1-based column).
std::variant<promql::Labels, std::string> parse_metric(std::string_view text);

struct SeriesValue {
  enum class Kind { value, omitted, stale };
  Kind kind = Kind::value;
  double value = 0;
};
inline constexpr std::size_t kMaxSeriesValues = 1'000'000;

std::variant<std::vector<SeriesValue>, std::string> parse_series_values(std::string_view text);

// strconv.FormatFloat(v, 'E', -1, 64), as promtool prints sample values: 1E+00, 2.5E-01.
std::string format_sample_value(double v);

}  // namespace hawatch::rules
