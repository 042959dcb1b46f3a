#include "prom_emit.h"

#include <map>
#include <stdexcept>
#include <string_view>

namespace hawatch::plugins {
namespace {

prometheus::MetricType metric_type(PromType t) {
  switch (t) {
    case PromType::counter: return prometheus::MetricType::Counter;
    case PromType::gauge: return prometheus::MetricType::Gauge;
    default: return prometheus::MetricType::Untyped;
  }
}

prometheus::ClientMetric client_metric(const PromSample& s, PromType type) {
  prometheus::ClientMetric m;
  for (const auto& [k, v] : s.labels) m.label.push_back(Label{k, v});
  if (type == PromType::counter) m.counter.value = s.value;
  else if (type == PromType::gauge) m.gauge.value = s.value;
  else m.untyped.value = s.value;
  return m;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "_x_" inside or "_x" at the end of `name`.
bool has_token(std::string_view name, std::string_view token) {
  const std::string inner = "_" + std::string(token) + "_";
  return name.find(inner) != std::string_view::npos ||
         ends_with(name, inner.substr(0, inner.size() - 1));
}

bool camel_case(std::string_view s) {
  for (std::size_t i = 1; i < s.size(); ++i)
    if (s[i - 1] >= 'a' && s[i - 1] <= 'z' && s[i] >= 'A' && s[i] <= 'Z') return true;
  return false;
}

// A name part that promlint reads as a unit that is not a base unit ("milliseconds", "hours").
bool non_base_unit(std::string_view part) {
  static constexpr std::string_view kBase[] = {"amperes", "bytes",  "celsius", "grams",   "joules",
                                               "kelvin",  "meters", "metres",  "seconds", "volts"};
  static constexpr std::string_view kNonBase[] = {
      "minutes", "hours", "days",  "weeks", "kelvins",  "fahrenheit", "rankine",
      "inches",  "yards", "miles", "bits",  "calories", "pounds",     "ounces"};
  static constexpr std::string_view kPrefixes[] = {
      "pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo",
      "kibi", "mega", "mibi",  "giga",  "gibi",  "tera", "tebi", "peta",  "pebi"};
  for (auto unit : kNonBase)
    if (part == unit) return true;
  for (auto prefix : kPrefixes) {
    if (!part.starts_with(prefix)) continue;
    const auto rest = part.substr(prefix.size());
    for (auto unit : kBase)
      if (rest == unit) return true;
    for (auto unit : kNonBase)
      if (rest == unit) return true;
  }
  return false;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string lint_problem(std::string_view name, PromType type) {
  const bool untyped = type == PromType::untyped, counter = type == PromType::counter;
  if (counter && !ends_with(name, "_total")) return "counter metrics should have \"_total\" suffix";
  if (!untyped && !counter && ends_with(name, "_total"))
    return "non-counter metrics should not have \"_total\" suffix";
  if (!untyped) {  // served types are counter, gauge and untyped: no histogram or summary
    for (std::string_view suffix : {"_bucket", "_count", "_sum"})
      if (ends_with(name, suffix))
        return "only histograms and summaries may end in \"" + std::string(suffix) + "\"";
  }
  const std::string lowered = lower(name);
  for (std::string_view t : {"counter", "gauge", "summary", "histogram"})
    if (has_token(lowered, t))
      return "metric name should not include type '" + std::string(t) + "'";
  if (name.find(':') != std::string_view::npos) return "metric names should not contain ':'";
  if (camel_case(name)) return "metric names should be written in 'snake_case' not 'camelCase'";
  for (std::string_view abbreviation :
       {"s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb", "tb", "pb", "m", "h", "d"})
    if (has_token(lowered, abbreviation))
      return "metric names should not contain abbreviated units";
  for (std::size_t start = 0; start <= name.size();) {
    const auto end = std::min(name.find('_', start), name.size());
    if (non_base_unit(name.substr(start, end - start)))
      return "use a base unit instead of \"" + std::string(name.substr(start, end - start)) + "\"";
    start = end + 1;
  }
  return {};
}

std::string label_lint_problem(const std::vector<PromSample>& samples, PromType type) {
  for (const auto& s : samples) {
    for (const auto& [label, value] : s.labels) {
      if (camel_case(label)) return "label names should be written in 'snake_case' not 'camelCase'";
      if (type != PromType::untyped && (label == "le" || label == "quantile"))
        return "label \"" + label + "\" is only for histograms and summaries";
    }
  }
  return {};
}

void emit_families(const std::vector<PromFamily>& families, MetricSink& sink,
                   const std::string& where, std::vector<std::string>& problems) {
  for (const auto& fam : families) {
    if (fam.name.starts_with(kReservedPrefix)) {
      problems.push_back(where + ": " + fam.name + ": the \"" + std::string(kReservedPrefix) +
                         "\" prefix is reserved for hawatch's own metrics; family dropped");
      continue;
    }
    // node_exporter's textfile collector does the same: promtool wants a HELP line.
    const std::string help = fam.help.empty() ? "Metric read from " + where + "." : fam.help;
    const bool whole = fam.type != PromType::histogram && fam.type != PromType::summary;
    const PromType type = whole ? fam.type : PromType::untyped;
    // Lint verdicts per sample name (a histogram has three), so that the work stays linear.
    std::map<std::string_view, bool> refused;
    const std::string label_problem = label_lint_problem(fam.samples, type);
    for (const auto& s : fam.samples) {
      auto [verdict, first] = refused.try_emplace(s.name, false);
      if (first) {
        std::string why = lint_problem(s.name, type);
        if (why.empty()) why = label_problem;
        verdict->second = !why.empty();
        if (verdict->second)
          problems.push_back(where + ":" + std::to_string(s.line) + ": " + s.name + ": " + why +
                             " (promtool check metrics); dropped");
      }
      if (verdict->second) continue;
      try {
        auto& out = sink.family(s.name, help, metric_type(type));
        out.metric.push_back(client_metric(s, type));
      } catch (const std::logic_error&) {
        problems.push_back(where + ":" + std::to_string(s.line) + ": " + s.name +
                           " has another type elsewhere; sample dropped");
      }
    }
  }
}

}  // namespace hawatch::plugins
