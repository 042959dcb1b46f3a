// Drives one DNS update hook, for tests/integration/test_dns_*.sh:
//   dns_update_tool CONFIG check                               reads the config, prints errors
//   dns_update_tool CONFIG cas ZONE NAME TYPE OLD NEW          one compare-and-swap
//   dns_update_tool CONFIG current ZONE NAME TYPE              the values the server serves
//   dns_update_tool CONFIG verify ZONE NAME TYPE VALUE         waits (bounded) until it serves
//   VALUE
// CONFIG is a YAML file with the hook under `update:` as in a failover group. `cas` and `verify`
// print "RESULT<TAB>DETAIL" and the time taken in ms on a second line; `current` prints one value a
// line (or "error<TAB>DETAIL"). Exit 0 when the run completed, 1 on an error, 2 on a config error.
#include <chrono>
#include <iostream>

#include "hooks/update_reader.h"
#include "hooks/verify_served.h"

using namespace hawatch;
using namespace hawatch::alerting::failover;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: dns_update_tool CONFIG check|cas|current|verify ...\n";
    return 2;
  }
  ConfigContext ctx(argv[1]);
  const YAML::Node root = load_yaml_file(argv[1], ctx);
  std::unique_ptr<DnsUpdater> updater;
  if (ctx.ok()) updater = read_dns_updater(root["update"], ctx, "update");
  for (const auto& d : ctx.diagnostics()) std::cout << d.to_string() << "\n";
  const std::string command = argv[2];
  if (!updater) return 2;
  if (command == "check") return 0;
  if (argc < 6) return 2;
  const RecordRef record{argv[3], argv[4], argv[5], 30};
  const auto start = std::chrono::steady_clock::now();
  const auto ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
  };
  if (command == "cas" && argc == 8) {
    const UpdateOutcome out = updater->compare_and_swap(record, argv[6], argv[7]);
    std::cout << to_string(out.result) << "\t" << out.detail << "\n" << ms() << "\n";
    return 0;
  }
  if (command == "verify" && argc == 7) {
    const UpdateOutcome out = verify_served(*updater, record, argv[6], VerifyBounds{});
    std::cout << to_string(out.result) << "\t" << out.detail << "\n" << ms() << "\n";
    return 0;
  }
  if (command == "current" && argc == 6) {
    std::string error;
    const auto values = updater->current(record, error);
    if (!values) {
      std::cout << "error\t" << error << "\n";
      return 1;
    }
    for (const auto& v : *values) std::cout << v << "\n";
    return 0;
  }
  std::cerr << "dns_update_tool: bad arguments\n";
  return 2;
}
