// hawatch-test-rules FILE...: `promtool test rules` on hawatch's engine (the main binary will
// offer it as `hawatch test rules`).
#include <iostream>
#include <string>
#include <vector>

#include "rules/test_runner.h"

int main(int argc, char** argv) {
  std::vector<std::string> files(argv + 1, argv + argc);
  if (files.empty()) {
    std::cerr << "usage: hawatch-test-rules TEST-FILE...\n";
    return 2;
  }
  return hawatch::rules::run_rule_tests(files, std::cout, std::cerr);
}
