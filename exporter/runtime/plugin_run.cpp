#include "plugin_run.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "core/prom_text.h"

namespace hawatch::plugins {

const hawatch_sink_api* RecordingSink::api() {
  static const hawatch_sink_api table{HAWATCH_PLUGIN_ABI_VERSION, &RecordingSink::gauge,
                                      &RecordingSink::counter, &RecordingSink::status,
                                      &RecordingSink::problem};
  return &table;
}

void RecordingSink::add(hawatch_sink* handle, bool counter, const char* name, const char* help,
                        double value, const hawatch_label* labels, size_t count) {
  if (!handle) return;
  auto* self = reinterpret_cast<RecordingSink*>(handle);
  PluginRun& run = self->run_;
  const std::string n = name ? name : "";
  if (!valid_metric_name(n)) {
    run.problems.push_back("invalid metric name \"" + n + "\"; sample dropped");
    return;
  }
  if (run.samples.size() >= self->max_samples_) {
    if (run.samples.size() == self->max_samples_)
      run.problems.push_back("more than " + std::to_string(self->max_samples_) + " samples; the rest dropped");
    return;
  }
  PluginSample s{counter, n, help ? help : "", value, {}};
  for (size_t i = 0; i < count && labels; ++i) {
    const std::string ln = labels[i].name ? labels[i].name : "";
    if (!valid_label_name(ln) || ln.rfind("__", 0) == 0) {
      run.problems.push_back(n + ": invalid label name \"" + ln + "\"; sample dropped");
      return;
    }
    s.labels.emplace_back(ln, labels[i].value ? labels[i].value : "");
  }
  run.samples.push_back(std::move(s));
}

void RecordingSink::gauge(hawatch_sink* s, const char* n, const char* h, double v, const hawatch_label* l, size_t c) {
  add(s, false, n, h, v, l, c);
}
void RecordingSink::counter(hawatch_sink* s, const char* n, const char* h, double v, const hawatch_label* l, size_t c) {
  add(s, true, n, h, v, l, c);
}
void RecordingSink::status(hawatch_sink* handle, int status, const char* message) {
  if (!handle) return;
  auto& run = reinterpret_cast<RecordingSink*>(handle)->run_;
  run.status = status >= 0 && status <= 3 ? status : 3;
  run.status_message = message ? message : "";
}
void RecordingSink::problem(hawatch_sink* handle, const char* message) {
  if (!handle) return;
  reinterpret_cast<RecordingSink*>(handle)->run_.problems.push_back(message ? message : "(null)");
}

std::string escape_field(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields(1);
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '\t') {
      fields.emplace_back();
    } else if (c == '\\' && i + 1 < line.size()) {
      const char e = line[++i];
      fields.back() += e == 't' ? '\t' : e == 'n' ? '\n' : e;
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::optional<double> to_double(const std::string& s) {
  if (s == "nan") return NAN;
  if (s == "inf") return INFINITY;
  if (s == "-inf") return -INFINITY;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int> to_int(const std::string& s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::string encode_run(const PluginRun& run) {
  std::string out = "R\t" + std::to_string(run.rc) + "\n";
  if (run.status) out += "S\t" + std::to_string(*run.status) + "\t" + escape_field(run.status_message) + "\n";
  for (const auto& p : run.problems) out += "P\t" + escape_field(p) + "\n";
  for (const auto& s : run.samples) {
    out += (s.counter ? "C\t" : "G\t") + escape_field(s.name) + "\t" + escape_field(s.help) + "\t" + number(s.value);
    for (const auto& [k, v] : s.labels) out += "\t" + escape_field(k) + "\t" + escape_field(v);
    out += "\n";
  }
  return out;
}

namespace {

// Collects a decoded run's problems, at most kMaxRunProblems of them: beyond that the last one
// says how many more there were. A decoded run re-encodes to itself (it holds no more than the
// limit, so nothing is cut the second time).
class ProblemList {
 public:
  explicit ProblemList(std::vector<std::string>& out) : out_(out) {}
  void add(std::string problem) {
    if (out_.size() < kMaxRunProblems)
      out_.push_back(std::move(problem));
    else
      ++dropped_;
  }
  void finish() {
    if (dropped_ == 0) return;
    out_.resize(kMaxRunProblems - 1);
    out_.push_back("plugin host: " + std::to_string(dropped_ + 1) + " more problems dropped");
  }

 private:
  std::vector<std::string>& out_;
  std::size_t dropped_ = 0;
};

std::string shortened(const std::string& text) {
  constexpr std::size_t kShown = 64;
  return text.size() <= kShown ? text : text.substr(0, kShown) + "...";
}

// Why a decoded sample cannot be exposed (the checks RecordingSink::add made in the host), or
// empty when it can.
std::string unexposable(const PluginSample& s) {
  if (!valid_metric_name(s.name))
    return "plugin host sent invalid metric name \"" + shortened(s.name) + "\"; sample dropped";
  for (const auto& [name, value] : s.labels)
    if (!valid_label_name(name) || name.rfind("__", 0) == 0)
      return "plugin host sent " + s.name + " with invalid label name \"" + shortened(name) +
             "\"; sample dropped";
  return {};
}

}  // namespace

std::optional<PluginRun> decode_run(const std::string& text) {
  PluginRun run;
  ProblemList problems(run.problems);
  bool samples_cut = false;
  const bool ok = for_each_record(text, [&](const std::vector<std::string>& f) {
    if (f[0] == "R" && f.size() == 2) {
      auto rc = to_int(f[1]);
      if (!rc) return false;
      run.rc = *rc;
    } else if (f[0] == "S" && f.size() == 3) {
      auto st = to_int(f[1]);
      if (!st || *st < 0 || *st > 3) return false;
      run.status = *st;
      run.status_message = f[2];
    } else if (f[0] == "P" && f.size() == 2) {
      problems.add(f[1]);
    } else if ((f[0] == "G" || f[0] == "C") && f.size() >= 4 && f.size() % 2 == 0) {
      auto v = to_double(f[3]);
      if (!v) return false;
      PluginSample s{f[0] == "C", f[1], f[2], *v, {}};
      for (std::size_t i = 4; i + 1 < f.size(); i += 2) s.labels.emplace_back(f[i], f[i + 1]);
      if (auto why = unexposable(s); !why.empty()) {
        problems.add(std::move(why));
      } else if (run.samples.size() < kMaxRunSamples) {
        run.samples.push_back(std::move(s));
      } else if (!samples_cut) {
        samples_cut = true;
        problems.add("more than " + std::to_string(kMaxRunSamples) + " samples; the rest dropped");
      }
    } else {
      return false;
    }
    return true;
  });
  if (!ok) return std::nullopt;
  problems.finish();
  return run;
}

void run_to_sink(const PluginRun& run, const std::string& plugin, MetricSink& sink,
                 std::vector<std::string>& problems) {
  for (const auto& s : run.samples) {
    Labels labels;
    for (const auto& [k, v] : s.labels) labels.push_back(Label{k, v});
    try {
      if (s.counter) sink.counter(s.name, s.help, s.value, std::move(labels));
      else sink.gauge(s.name, s.help, s.value, std::move(labels));
    } catch (const std::logic_error&) {
      problems.push_back(s.name + " emitted as both gauge and counter; sample dropped");
    }
  }
  if (run.status)
    sink.gauge("hawatch_check_status", "Nagios status of the check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
               *run.status, {Label{"plugin", plugin}, Label{"check", plugin}});
}

}  // namespace hawatch::plugins
