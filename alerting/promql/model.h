#pragma once
// The values PromQL works on: label sets, samples, series with history. Plain value types shared by
// the engine (alerting/promql), the rule evaluator (alerting/rules) and whatever feeds them
// samples.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hawatch::promql {

// Milliseconds since the Unix epoch, as Prometheus keeps time.
using Timestamp = std::int64_t;

// Prometheus' staleness marker: a NaN with this exact bit pattern (value.StaleNaN) ends a series.
inline constexpr std::uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
double stale_nan();
bool is_stale_nan(double v);  // compares bits: an ordinary NaN is a value, not a marker

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
  friend auto operator<=>(const Label&, const Label&) = default;
};

// A label set, kept sorted by name with no empty values (an empty value means "absent", as in
// Prometheus). The metric name is the label "__name__".
class Labels {
 public:
  Labels() = default;
  explicit Labels(std::vector<Label> labels);  // sorts, drops empty values; last duplicate wins

  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  void set(std::string_view name, std::string_view value);  // empty value removes
  void erase(std::string_view name);
  std::string_view metric_name() const { return get("__name__").value_or(""); }

  const std::vector<Label>& items() const { return items_; }
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  std::uint64_t hash() const;  // stable within one process; for grouping and matching maps
  // {a="b", c="d"} form as Go's labels.String(): sorted by name, so __name__ comes first unless a
  // label name starts with an upper-case letter; values quoted as strconv.Quote.
  std::string to_string() const;

  friend bool operator==(const Labels&, const Labels&) = default;
  friend auto operator<=>(const Labels&, const Labels&) = default;

 private:
  std::vector<Label> items_;
};

// For unordered containers keyed by label set.
struct LabelsHash {
  std::size_t operator()(const Labels& labels) const {
    return static_cast<std::size_t>(labels.hash());
  }
};

struct Point {
  Timestamp t = 0;
  double v = 0;
};

// One element of an instant vector.
struct Sample {
  Labels labels;
  double value = 0;
  Timestamp t = 0;  // the evaluation time (what timestamp() reads is the point's own time)
};
using Vector = std::vector<Sample>;

// One element of a range vector.
struct Series {
  Labels labels;
  std::vector<Point> points;  // ascending time
};
using Matrix = std::vector<Series>;

}  // namespace hawatch::promql
