#pragma once
// Parsed text-format families -> the daemon's MetricSink.

#include <string>
#include <string_view>
#include <vector>

#include "core/metric_sink.h"
#include "core/prom_text.h"

namespace hawatch::plugins {

inline constexpr std::string_view kReservedPrefix = "hawatch_";

// Histogram and summary families are passed on as untyped series (x_bucket{le}, x_sum, x_count
// keep their names and values; only the TYPE line differs). A family whose type conflicts with
// one already in `sink` is skipped and reported in `problems` (prefixed with `where`), and so is a
// family named with the reserved prefix: only the daemon writes hawatch_* families, so no file or
// check can add series to them, redeclare their type or pose as the daemon's own health.
// Families that `promtool check metrics` would complain about (client_golang's promlint rules:
// _total only and always on counters, no type or abbreviated or non-base unit in the name, no
// camelCase, no ':'), as served under `name` and `type`, are refused too: every /metrics must
// pass it whatever a file or check says. A family without HELP gets one naming `where`.
std::string lint_problem(std::string_view name, PromType type);
std::string label_lint_problem(const std::vector<PromSample>& samples, PromType type);

void emit_families(const std::vector<PromFamily>& families, MetricSink& sink,
                   const std::string& where, std::vector<std::string>& problems);

}  // namespace hawatch::plugins
