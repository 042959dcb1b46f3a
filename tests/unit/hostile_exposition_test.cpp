// Random hostile Prometheus text (reserved names, __ labels, invalid UTF-8, escapes, duplicates,
// type clashes, lint-failing names) from two sources, merged with the daemon's own families,
// always serves a /metrics that the real `promtool check metrics` accepts without a word.
#define BOOST_TEST_MODULE hostile_exposition
#include <array>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "core/exposition.h"
#include "core/metric_sink.h"
#include "core/prom_text.h"
#include "runtime/prom_emit.h"
#include "temp_dir.h"

using namespace hawatch;

namespace {

template <std::size_t N>
const char* pick(std::mt19937& rng, const std::array<const char*, N>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
}

// One document of hostile lines built from fragments attackers and broken writers produce.
std::string hostile_document(std::mt19937& rng) {
  static constexpr std::array<const char*, 14> names = {
      "a",       "b_total", "hawatch_node_load1", "hawatch_textfile_scrape_error",
      "fooBar",  "x_ms",    "lat_bucket",         "lat",
      "a:b",     "jobs",    "c_seconds",          "d_milliseconds",
      "m_gauge", "q"};
  static constexpr std::array<const char*, 6> types = {"counter",   "gauge",   "untyped",
                                                       "histogram", "summary", "bogus"};
  static constexpr std::array<const char*, 8> helps = {
      "plain", "a\\nfake_injected 1", "back\\\\slash", "bad \xff utf8", "tail\\", "\\\\n", "",
      "x\\ty"};
  static constexpr std::array<const char*, 8> label_names = {
      "l", "__name__", "__meta", "le", "quantile", "camelCase", "_", "l2"};
  static constexpr std::array<const char*, 9> label_values = {
      "v", "a\\\"b", "c\\\\d", "e\\nf", "\xff", "\xc0\xaf", "\xe2\x82\xac", "", "}\\\" x"};
  static constexpr std::array<const char*, 6> values = {"1", "-2.5", "+Inf", "-Inf", "1e300", "0"};
  std::string out;
  const int lines = std::uniform_int_distribution<int>(1, 30)(rng);
  for (int i = 0; i < lines; ++i) {
    const std::string name = pick(rng, names);
    switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
      case 0:
        out += "# HELP " + name + " " + pick(rng, helps) + "\n";
        break;
      case 1:
        out += "# TYPE " + name + " " + pick(rng, types) + "\n";
        break;
      default: {
        out += name;
        const int labels = std::uniform_int_distribution<int>(0, 3)(rng);
        if (labels) {
          out += '{';
          for (int k = 0; k < labels; ++k)
            out += std::string(k ? "," : "") + pick(rng, label_names) + "=\"" +
                   pick(rng, label_values) + "\"";
          out += '}';
        }
        out += std::string(" ") + pick(rng, values) + "\n";
      }
    }
  }
  return out;
}

std::vector<PreparedFamily> from_source(const std::string& text, const std::string& where) {
  MetricSink sink;
  std::vector<std::string> problems;
  plugins::emit_families(plugins::parse_prometheus_text(text).families, sink, where, problems);
  return prepare_families(sink.take());
}

}  // namespace

BOOST_AUTO_TEST_CASE(promtool_accepts_whatever_the_inputs_say) {
  test::TempDir dir;
  MetricSink own;
  own.gauge("hawatch_node_load1", "1-minute load average.", 0.5);
  own.gauge("hawatch_textfile_scrape_error", "1 if any textfile could not be read or parsed.", 1);
  const auto own_families = prepare_families(own.take());
  std::mt19937 rng(18);
  std::size_t outside_samples = 0,
              escaped_help = 0;  // the test is not void: hostile input got through
  for (int round = 0; round < 60; ++round) {
    const std::string doc_a = hostile_document(rng), doc_b = hostile_document(rng);
    const auto a = from_source(doc_a, "exec/a");
    const auto b = from_source(doc_b, "/textfiles/b.prom");
    const std::string text = merge_families({&own_families, &a, &b});
    const auto file = dir.path / "metrics.txt";
    std::ofstream(file) << text;
    const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    BOOST_REQUIRE(pipe);
    std::string said;
    std::array<char, 4096> buf;
    while (std::fgets(buf.data(), buf.size(), pipe)) said += buf.data();
    const int rc = ::pclose(pipe);
    BOOST_TEST((rc == 0 && said.empty()), "round " << round << ": promtool exit " << rc << ": "
                                                   << said << "\n--- input a ---\n"
                                                   << doc_a << "--- input b ---\n"
                                                   << doc_b << "--- served ---\n"
                                                   << text);
    BOOST_TEST(text.find("\nfake_injected") == std::string::npos);
    for (std::size_t pos = 0; pos < text.size();) {
      const auto nl = text.find('\n', pos);
      const std::string line = text.substr(pos, nl - pos);
      if (line[0] != '#' && !line.starts_with("hawatch_")) ++outside_samples;
      if (line.find("\\nfake_injected") != std::string::npos) ++escaped_help;
      pos = nl + 1;
    }
  }
  BOOST_TEST(outside_samples > 100u);
  BOOST_TEST(escaped_help > 0u);
}
