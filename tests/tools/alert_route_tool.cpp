// Prints the receivers an alert with the given labels is routed to, comma-separated in tree order
// as `amtool config routes test` prints them, for an Alertmanager-format config file (route,
// receivers, time_intervals). tests/integration/test_alert_routes.sh compares the two.
//   alert_route_tool CONFIG name=value ...
#include <iostream>
#include <set>
#include <string>

#include "dispatch/route_config.h"
#include "matchers/parse.h"

using namespace hawatch;
using namespace hawatch::alerting;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: alert_route_tool CONFIG [name=value ...]\n";
    return 2;
  }
  ConfigContext ctx(argv[1]);
  YAML::Node doc = load_yaml_file(argv[1], ctx);
  std::set<std::string, std::less<>> receivers;
  for (const auto& r : doc["receivers"]) receivers.insert(r["name"].as<std::string>(""));
  TimeIntervals intervals;
  read_time_intervals(doc["time_intervals"], ctx, "time_intervals", intervals);
  read_time_intervals(doc["mute_time_intervals"], ctx, "mute_time_intervals", intervals);
  auto root = read_route(doc["route"], ctx, "route", {&receivers, &intervals});
  if (!ctx.ok() || !root) {
    for (const auto& d : ctx.diagnostics()) std::cerr << d.to_string() << "\n";
    return 1;
  }
  LabelSet labels;
  for (int i = 2; i < argc; ++i) {
    try {
      const Matcher m = parse_matcher(argv[i], "argument " + std::to_string(i - 1));
      if (m.type() != MatchType::equal) throw MatcherError("labels are name=value", 1);
      labels[m.name()] = m.value();
    } catch (const MatcherError& e) {
      std::cerr << e.what() << "\n";
      return 2;
    }
  }
  std::string out;
  for (const Route* r : root->match(labels)) {
    if (!out.empty()) out += ',';
    out += r->options().receiver;
  }
  std::cout << out << "\n";
  return 0;
}
