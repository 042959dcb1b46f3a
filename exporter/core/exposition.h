#pragma once
// The text exposition (format 0.0.4) a scrape serves. Families are serialised once, when a
// collector finishes, into PreparedFamily text; a snapshot concatenates prepared text and caches
// its gzip form, so a scrape does no formatting at all.

#include <prometheus/metric_family.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hawatch {

struct PreparedFamily {
  std::string name;
  std::string header;   // "# HELP ...\n# TYPE ...\n"
  std::string samples;  // sample lines, each ending in '\n'
  prometheus::MetricType type = prometheus::MetricType::Untyped;
};

// Serialises each family (exactly as prometheus-cpp's TextSerializer would, without its iostreams)
// and keeps header and samples apart, so that families of the same name from different
// collectors can be merged under one header. HELP text and label values are escaped and invalid
// UTF-8 is replaced (U+FFFD); families with invalid names and samples with label names that cannot
// be written ("__" prefix, invalid characters, twice) are dropped, so the text always parses.
std::vector<PreparedFamily> prepare_families(const std::vector<prometheus::MetricFamily>& families);

// Concatenates families, emitting each name's header once and its samples together, in first-seen
// order (the text format forbids a family appearing twice). A later family of the same name with
// another type is dropped, and so is a series that an earlier group already gave.
std::string merge_families(const std::vector<const std::vector<PreparedFamily>*>& groups);

std::string gzip_compress(const std::string& data);

class Exposition {
 public:
  Exposition(std::string text, std::chrono::steady_clock::time_point expires)
      : text_(std::move(text)), expires_(expires) {}

  const std::string& text() const { return text_; }
  // Compressed once on first request, then shared by every scrape of this snapshot.
  const std::string& gzipped() const;
  // When a collector's data in this snapshot becomes stale and the snapshot must be rebuilt.
  std::chrono::steady_clock::time_point expires() const { return expires_; }

 private:
  std::string text_;
  std::chrono::steady_clock::time_point expires_;
  mutable std::once_flag gzip_once_;
  mutable std::string gzip_;
};

}  // namespace hawatch
