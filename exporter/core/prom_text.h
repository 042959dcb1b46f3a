#pragma once
// The Prometheus text exposition format 0.0.4, as a pure parser (text -> families), used for exec
// plugins with `format: prometheus`, for the textfile directory and for the plugin host's replies.
// Every malformed line is reported with its line number and skipped; the rest is kept.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hawatch::plugins {

enum class PromType { untyped, counter, gauge, histogram, summary };

struct PromSample {
  std::string name;  // full sample name (for histograms: x_bucket, x_sum, x_count)
  std::vector<std::pair<std::string, std::string>> labels;  // as written, in order
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
  int line = 0;
};

struct PromFamily {
  std::string name;
  std::string help;
  PromType type = PromType::untyped;
  std::vector<PromSample> samples;
};

struct PromIssue {
  int line = 0;  // 1-based
  std::string message;
};

inline constexpr std::size_t kMaxListedErrors = 100;

struct PromText {
  std::vector<PromFamily> families;
  std::vector<PromIssue> errors;  // the first kMaxListedErrors
  std::size_t more_errors = 0;    // errors beyond those
  bool ends_with_newline = true;  // false for a half-written file
  bool has_timestamps = false;
};

// Never throws; malformed lines and duplicate series are listed in `errors`. Linear in the size of
// the text (families and series are found by hash).
PromText parse_prometheus_text(std::string_view text);

bool valid_metric_name(std::string_view name);
bool valid_label_name(std::string_view name);
const char* prom_type_name(PromType type);

}  // namespace hawatch::plugins
