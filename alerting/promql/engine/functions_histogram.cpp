// histogram_quantile() over classic histograms (the _bucket series with an "le" label), as
// Prometheus 2.42's bucketQuantile: buckets sorted and coalesced by bound, counts forced
// monotonic, linear interpolation inside the bucket that holds the rank.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>

#include "functions.h"

namespace hawatch::promql::engine {
namespace {

struct Bucket {
  double upper_bound;
  double count;
};

// strconv.ParseFloat for the forms an "le" label takes.
std::optional<double> parse_bound(std::string_view s) {
  std::string lower(s);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "+inf" || lower == "inf" || lower == "+infinity" || lower == "infinity")
    return HUGE_VAL;
  if (lower == "-inf" || lower == "-infinity") return -HUGE_VAL;
  if (lower == "nan") return std::nan("");
  std::string_view digits = s;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  double value = 0;
  const auto res = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || res.ec != std::errc() || res.ptr != digits.data() + digits.size())
    return std::nullopt;
  return value;
}

double bucket_quantile(double q, std::vector<Bucket> buckets) {
  if (std::isnan(q)) return std::nan("");
  if (q < 0) return -HUGE_VAL;
  if (q > 1) return HUGE_VAL;
  std::stable_sort(buckets.begin(), buckets.end(),
                   [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0))
    return std::nan("");
  // Coalesce buckets of the same bound (series that differ only in how le was spelt).
  std::vector<Bucket> merged;
  for (const auto& b : buckets) {
    if (!merged.empty() && merged.back().upper_bound == b.upper_bound) {
      merged.back().count += b.count;
    } else {
      merged.push_back(b);
    }
  }
  // Counts scraped at slightly different times can dip; Prometheus raises them to the maximum.
  double max = -HUGE_VAL;
  for (auto& b : merged) {
    if (b.count > max) {
      max = b.count;
    } else if (b.count < max) {
      b.count = max;
    }
  }
  if (merged.size() < 2) return std::nan("");
  const double observations = merged.back().count;
  if (observations == 0) return std::nan("");
  double rank = q * observations;
  // The first bucket (searching all but the +Inf one) whose count reaches the rank.
  std::size_t b = 0;
  while (b < merged.size() - 1 && !(merged[b].count >= rank)) ++b;
  if (b == merged.size() - 1) return merged[merged.size() - 2].upper_bound;
  if (b == 0 && merged[0].upper_bound <= 0) return merged[0].upper_bound;
  double bucket_start = 0;
  const double bucket_end = merged[b].upper_bound;
  double count = merged[b].count;
  if (b > 0) {
    bucket_start = merged[b - 1].upper_bound;
    count -= merged[b - 1].count;
    rank -= merged[b - 1].count;
  }
  return bucket_start + (bucket_end - bucket_start) * (rank / count);
}

}  // namespace

Vector histogram_quantile(Evaluator& ev, const Call& call) {
  const double q = ev.eval_scalar(*call.args[0]);
  const Vector input = ev.eval_vector(*call.args[1]);
  struct Group {
    Labels labels;
    std::vector<Bucket> buckets;
  };
  std::unordered_map<Labels, std::size_t, LabelsHash> index;
  std::vector<Group> groups;
  for (const auto& s : input) {
    const auto bound = parse_bound(s.labels.get("le").value_or(""));
    if (!bound) continue;  // no or malformed le: Prometheus skips the sample
    Labels signature = s.labels;
    signature.erase("le");  // grouped with the metric name, which the result then drops
    auto [it, inserted] = index.try_emplace(signature, groups.size());
    if (inserted) groups.push_back(Group{drop_metric_name(std::move(signature)), {}});
    groups[it->second].buckets.push_back(Bucket{*bound, s.value});
  }
  Vector out;
  for (auto& g : groups)
    out.push_back(Sample{std::move(g.labels), bucket_quantile(q, std::move(g.buckets)), 0});
  return out;
}

}  // namespace hawatch::promql::engine
