#pragma once
// Parsed text-format families -> the daemon's MetricSink.

#include <string>
#include <vector>

#include "core/metric_sink.h"
#include "core/prom_text.h"

namespace hawatch::plugins {

// Histogram and summary families are passed on as untyped series (x_bucket{le}, x_sum, x_count
// keep their names and values; only the TYPE line differs). A family whose type conflicts with
// one already in `sink` is skipped and reported in `problems` (prefixed with `where`).
void emit_families(const std::vector<PromFamily>& families, MetricSink& sink,
                   const std::string& where, std::vector<std::string>& problems);

}  // namespace hawatch::plugins
