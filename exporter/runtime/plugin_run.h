#pragma once
// The result of one collect() call of a C-ABI plugin, as a value: what the plugin emitted through
// hawatch_sink_api. The same struct travels from the plugin host to the daemon (encode/decode)
// and is turned into samples on the daemon side (to_sink), so in-process and isolated plugins
// behave identically.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metric_sink.h"
#include "core/parse.h"
#include "hawatch/plugin.h"

namespace hawatch::plugins {

inline constexpr std::size_t kMaxRunSamples = 100000;
inline constexpr std::size_t kMaxRunProblems = 1000;

struct PluginSample {
  bool counter = false;
  std::string name;
  std::string help;
  double value = 0;
  std::vector<std::pair<std::string, std::string>> labels;
};

struct PluginRun {
  int rc = 0;  // collect()'s return value; non-zero = failed run
  std::optional<int> status;
  std::string status_message;
  std::vector<PluginSample> samples;
  std::vector<std::string> problems;
};

// A hawatch_sink that records into a PluginRun; `api()` is what collect() gets.
class RecordingSink {
 public:
  explicit RecordingSink(std::size_t max_samples = kMaxRunSamples) : max_samples_(max_samples) {}
  static const hawatch_sink_api* api();
  hawatch_sink* handle() { return reinterpret_cast<hawatch_sink*>(this); }
  PluginRun& run() { return run_; }

 private:
  static void add(hawatch_sink* sink, bool counter, const char* name, const char* help, double value,
                  const hawatch_label* labels, size_t count);
  static void gauge(hawatch_sink*, const char*, const char*, double, const hawatch_label*, size_t);
  static void counter(hawatch_sink*, const char*, const char*, double, const hawatch_label*, size_t);
  static void status(hawatch_sink*, int, const char*);
  static void problem(hawatch_sink*, const char*);

  PluginRun run_;
  std::size_t max_samples_;
};

// Line-based wire form (tab-separated fields, \\ \t \n escaped). decode() returns nullopt on
// malformed input. The daemon decodes what the plugin host sends, and the host runs third-party
// code: decode() applies RecordingSink's rules again (a sample with a name /metrics cannot carry
// is dropped with a problem) and keeps at most kMaxRunSamples samples and kMaxRunProblems
// problems (the last one then says so), so a host cannot make the daemon hold more than that.
std::string encode_run(const PluginRun& run);
std::optional<PluginRun> decode_run(const std::string& text);

// Emits the plugin's samples and its status as hawatch_check_status{plugin,check} into `sink`;
// samples whose family clashes in type are reported into `problems`.
void run_to_sink(const PluginRun& run, const std::string& plugin, MetricSink& sink,
                 std::vector<std::string>& problems);

// Tab-separated field escaping shared by the host protocol.
std::string escape_field(const std::string& s);
std::vector<std::string> split_fields(const std::string& line);

// Calls `fn(fields)` for each line of `text`, split with split_fields (never empty); stops at the
// first line for which `fn` returns false, and returns whether every line was accepted.
template <typename Fn>
bool for_each_record(const std::string& text, Fn&& fn) {
  bool accepted = true;
  for_each_line(text, [&](std::string_view line) {
    if (accepted) accepted = fn(split_fields(std::string(line)));
  });
  return accepted;
}

}  // namespace hawatch::plugins
