#include "exposition.h"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "utf8.h"

namespace hawatch {

// Text format 0.0.4, written straight into strings. It produces byte for byte what
// prometheus-cpp's TextSerializer does (tests/unit/exposition_test.cpp compares the two), without
// its per-value ostream formatting: in callgrind that was 7k instructions per sample, the largest
// cost of collecting a 10k-series textfile directory.
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

void append_number(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "Nan";
  } else if (std::isinf(value)) {
    out += value < 0 ? "-Inf" : "+Inf";
  } else {
    char buf[32];
    // %.16g, as TextSerializer's stream (precision max_digits10 - 1, default float field).
    const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, 16);
    out.append(buf, r.ptr);
  }
}

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, r.ptr);
}

// Label values escape backslash, double quote and newline; HELP text backslash and newline (the
// text format 0.0.4). Invalid UTF-8 becomes U+FFFD, one per run of bad bytes, as Go's
// strings.ToValidUTF8: Prometheus refuses a scrape with an invalid label value, and dropping the
// series instead would hide e.g. a systemd unit whose name some tool mangled. Distinct raw values
// may become equal that way; prepare_family then drops the later duplicates.
void append_escaped(std::string& out, std::string_view value, bool quote) {
  bool in_bad_run = false;
  for (std::size_t i = 0; i < value.size();) {
    const char c = value[i];
    if (static_cast<unsigned char>(c) < 0x80) {
      in_bad_run = false;
      ++i;
      if (c == '\\')
        out += "\\\\";
      else if (c == '\n')
        out += "\\n";
      else if (c == '"' && quote)
        out += "\\\"";
      else
        out += c;
      continue;
    }
    const std::size_t n = utf8_sequence_length(value, i);
    if (n == 0) {
      if (!in_bad_run) out += "\xEF\xBF\xBD";
      in_bad_run = true;
      ++i;
    } else {
      in_bad_run = false;
      out.append(value.substr(i, n));
      i += n;
    }
  }
}

bool metric_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         (!first && c >= '0' && c <= '9');
}

bool valid_family_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!metric_name_char(name[i], i == 0)) return false;
  return true;
}

// [a-zA-Z_][a-zA-Z0-9_]*, and not "__..." (reserved for Prometheus: __name__, __meta_*).
bool valid_label(std::string_view name) {
  if (name.empty() || name.starts_with("__")) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (name[i] == ':' || !metric_name_char(name[i], i == 0)) return false;
  return true;
}

// Whether a sample's label set can be written: valid names, none twice, none equal to the label
// the serialiser adds itself (`le`, `quantile`).
bool writable_labels(const ClientMetric& metric, const char* added) {
  std::vector<std::string_view> names;
  names.reserve(metric.label.size() + 1);
  for (const auto& label : metric.label) {
    if (!valid_label(label.name)) return false;
    names.push_back(label.name);
  }
  if (added) names.push_back(added);
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) == names.end();
}

// NAME[SUFFIX]{labels[,EXTRA="..."]} ; the extra label is a quantile (number) or "le".
struct Extra {
  const char* name = nullptr;
  double number = 0;
  const char* text = nullptr;
};

void append_head(std::string& out, const MetricFamily& family, const ClientMetric& metric,
                 const char* suffix = "", Extra extra = {}) {
  out += family.name;
  out += suffix;
  if (!metric.label.empty() || extra.name) {
    out += '{';
    const char* separator = "";
    for (const auto& label : metric.label) {
      out += separator;
      out += label.name;
      out += "=\"";
      append_escaped(out, label.value, true);
      out += '"';
      separator = ",";
    }
    if (extra.name) {
      out += separator;
      out += extra.name;
      out += "=\"";
      if (extra.text) out += extra.text; else append_number(out, extra.number);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

void append_tail(std::string& out, const ClientMetric& metric) {
  if (metric.timestamp_ms != 0) {
    out += ' ';
    append_integer(out, metric.timestamp_ms);
  }
  out += '\n';
}

void append_sample(std::string& out, const MetricFamily& family, const ClientMetric& metric, double v) {
  append_head(out, family, metric);
  append_number(out, v);
  append_tail(out, metric);
}

void append_summary(std::string& out, const MetricFamily& family, const ClientMetric& metric) {
  append_head(out, family, metric, "_count");
  append_integer(out, metric.summary.sample_count);
  append_tail(out, metric);
  append_head(out, family, metric, "_sum");
  append_number(out, metric.summary.sample_sum);
  append_tail(out, metric);
  for (const auto& q : metric.summary.quantile) {
    append_head(out, family, metric, "", Extra{"quantile", q.quantile});
    append_number(out, q.value);
    append_tail(out, metric);
  }
}

void append_histogram(std::string& out, const MetricFamily& family, const ClientMetric& metric) {
  const auto& h = metric.histogram;
  append_head(out, family, metric, "_count");
  append_integer(out, h.sample_count);
  append_tail(out, metric);
  append_head(out, family, metric, "_sum");
  append_number(out, h.sample_sum);
  append_tail(out, metric);
  double last = -INFINITY;
  for (const auto& b : h.bucket) {
    append_head(out, family, metric, "_bucket", Extra{"le", b.upper_bound});
    append_integer(out, b.cumulative_count);
    append_tail(out, metric);
    last = b.upper_bound;
  }
  if (last != INFINITY) {
    append_head(out, family, metric, "_bucket", Extra{"le", 0, "+Inf"});
    append_integer(out, h.sample_count);
    append_tail(out, metric);
  }
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::Counter: return "counter";
    case MetricType::Gauge: return "gauge";
    case MetricType::Summary: return "summary";
    case MetricType::Untyped: return "untyped";
    case MetricType::Histogram: return "histogram";
  }
  return "untyped";
}

bool any_invalid_label_value(const MetricFamily& family) {
  for (const auto& metric : family.metric)
    for (const auto& label : metric.label)
      if (!valid_utf8(label.value)) return true;
  return false;
}

const char* added_label(MetricType type) {
  if (type == MetricType::Histogram) return "le";
  if (type == MetricType::Summary) return "quantile";
  return nullptr;
}

void append_metric(std::string& out, const MetricFamily& family, const ClientMetric& metric) {
  switch (family.type) {
    case MetricType::Counter:
      append_sample(out, family, metric, metric.counter.value);
      break;
    case MetricType::Gauge:
      append_sample(out, family, metric, metric.gauge.value);
      break;
    case MetricType::Untyped:
      append_sample(out, family, metric, metric.untyped.value);
      break;
    case MetricType::Summary:
      append_summary(out, family, metric);
      break;
    case MetricType::Histogram:
      append_histogram(out, family, metric);
      break;
  }
}

// The last line of defence for /metrics: whatever a collector, plugin or file put into a family,
// what comes out parses (promtool check metrics). A sample whose label names cannot be written is
// dropped here; the readers of outside input (prom_text, prom_emit) refuse those earlier, with an
// error naming the input.
PreparedFamily prepare_family(const MetricFamily& family) {
  PreparedFamily out{family.name, {}, {}, family.type};
  if (!family.help.empty()) {
    out.header = "# HELP " + family.name + " ";
    append_escaped(out.header, family.help, false);
    out.header += '\n';
  }
  out.header += "# TYPE " + family.name + " " + type_name(family.type) + "\n";
  // A typical sample line is the name, a few labels and a number; one reservation up front.
  out.samples.reserve(family.metric.size() * (family.name.size() + 48));
  const char* added = added_label(family.type);
  // Only when U+FFFD replacement may have made two label sets equal is each series checked.
  const bool dedupe = any_invalid_label_value(family);
  std::unordered_set<std::string> heads;
  std::string head;
  for (const auto& metric : family.metric) {
    if (!writable_labels(metric, added)) continue;
    if (dedupe) {
      head.clear();
      append_head(head, family, metric);
      if (!heads.insert(head).second) continue;
    }
    append_metric(out.samples, family, metric);
  }
  return out;
}

}  // namespace

std::vector<PreparedFamily> prepare_families(const std::vector<prometheus::MetricFamily>& families) {
  std::vector<PreparedFamily> out;
  out.reserve(families.size());
  for (const auto& family : families) {
    if (family.metric.empty() || !valid_family_name(family.name)) continue;
    PreparedFamily prepared = prepare_family(family);
    if (!prepared.samples.empty()) out.push_back(std::move(prepared));
  }
  return out;
}

namespace {

// The series part of a sample line: the name and the label set, up to the space before the value.
std::string_view series_of(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
  if (i < line.size() && line[i] == '{') {
    bool quoted = false;
    for (++i; i < line.size(); ++i) {
      if (quoted && line[i] == '\\')
        ++i;
      else if (line[i] == '"')
        quoted = !quoted;
      else if (!quoted && line[i] == '}')
        return line.substr(0, i + 1);
    }
  }
  return line.substr(0, i);
}

// Appends the lines of `samples` whose series are not in `seen` yet.
void append_new_series(std::string& out, std::string_view samples,
                       std::unordered_set<std::string_view>& seen) {
  while (!samples.empty()) {
    const auto nl = samples.find('\n');
    const std::string_view line =
        samples.substr(0, nl == std::string_view::npos ? samples.size() : nl + 1);
    samples.remove_prefix(line.size());
    if (seen.insert(series_of(line)).second) out += line;
  }
}

}  // namespace

std::string merge_families(const std::vector<const std::vector<PreparedFamily>*>& groups) {
  struct Slot {
    const PreparedFamily* first = nullptr;
    std::vector<const PreparedFamily*> more;
  };
  std::vector<std::string_view> order;
  std::unordered_map<std::string_view, Slot> slots;
  std::size_t total = 0;
  for (const auto* group : groups) {
    for (const auto& fam : *group) {
      total += fam.header.size() + fam.samples.size();
      auto [it, inserted] = slots.try_emplace(fam.name);
      if (inserted) {
        it->second.first = &fam;
        order.push_back(fam.name);
      } else if (fam.type == it->second.first->type) {
        it->second.more.push_back(&fam);
      }
      // A family of the same name with another type cannot be served under the first one's TYPE
      // line: the first group (the daemon's own families come first) wins.
    }
  }
  std::string out;
  out.reserve(total);
  for (auto name : order) {
    const Slot& slot = slots[name];
    out += slot.first->header;
    if (slot.more.empty()) {
      out += slot.first->samples;
      continue;
    }
    // Several collectors gave this family: a series given twice would make the scrape invalid.
    std::unordered_set<std::string_view> seen;
    append_new_series(out, slot.first->samples, seen);
    for (const auto* more : slot.more) append_new_series(out, more->samples, seen);
  }
  return out;
}

std::string gzip_compress(const std::string& data) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper; level 6 is zlib's balanced default.
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("zlib: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const auto produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
  out.resize(produced);
  return out;
}

const std::string& Exposition::gzipped() const {
  std::call_once(gzip_once_, [this] { gzip_ = gzip_compress(text_); });
  return gzip_;
}

}  // namespace hawatch
