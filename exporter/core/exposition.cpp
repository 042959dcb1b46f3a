#include "exposition.h"

#include <zlib.h>

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

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

void append_escaped(std::string& out, const std::string& value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
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
      append_escaped(out, label.value);
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

PreparedFamily prepare_family(const MetricFamily& family) {
  PreparedFamily out{family.name, {}, {}};
  if (!family.help.empty()) out.header = "# HELP " + family.name + " " + family.help + "\n";
  out.header += "# TYPE " + family.name + " " + type_name(family.type) + "\n";
  // A typical sample line is the name, a few labels and a number; one reservation up front.
  out.samples.reserve(family.metric.size() * (family.name.size() + 48));
  for (const auto& metric : family.metric) {
    switch (family.type) {
      case MetricType::Counter: append_sample(out.samples, family, metric, metric.counter.value); break;
      case MetricType::Gauge: append_sample(out.samples, family, metric, metric.gauge.value); break;
      case MetricType::Untyped: append_sample(out.samples, family, metric, metric.untyped.value); break;
      case MetricType::Summary: append_summary(out.samples, family, metric); break;
      case MetricType::Histogram: append_histogram(out.samples, family, metric); break;
    }
  }
  return out;
}

}  // namespace

std::vector<PreparedFamily> prepare_families(const std::vector<prometheus::MetricFamily>& families) {
  std::vector<PreparedFamily> out;
  out.reserve(families.size());
  for (const auto& family : families) {
    if (family.metric.empty()) continue;
    out.push_back(prepare_family(family));
  }
  return out;
}

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
      } else {
        it->second.more.push_back(&fam);
      }
    }
  }
  std::string out;
  out.reserve(total);
  for (auto name : order) {
    const Slot& slot = slots[name];
    out += slot.first->header;
    out += slot.first->samples;
    for (const auto* more : slot.more) out += more->samples;
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
