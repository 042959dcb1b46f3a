#pragma once
// The textfile directory (node_exporter compatible): every *.prom file's samples, plus
// hawatch_textfile_mtime_seconds{file} and hawatch_textfile_scrape_error. A bad file (syntax
// error, client-side timestamps, half-written, unreadable, duplicate series) is skipped whole and
// flagged; the other files are still served.

#include <filesystem>
#include <string>

#include "core/collector.h"

namespace hawatch::plugins {

class TextfileCollector : public Collector {
 public:
  explicit TextfileCollector(std::filesystem::path directory, std::size_t max_file_bytes = 16 << 20)
      : directory_(std::move(directory)), max_file_bytes_(max_file_bytes) {}
  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override;

 private:
  std::filesystem::path directory_;
  std::size_t max_file_bytes_;
};

}  // namespace hawatch::plugins
