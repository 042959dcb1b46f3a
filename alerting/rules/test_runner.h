#pragma once
// `hawatch test rules FILE...`: promtool's rule unit tests (cmd/promtool/unittest.go, 2.42) run
// on hawatch's engine and rule evaluator, with promtool's output and exit codes (0 all passed,
// 1 any failure), so the same test files check both.

#include <ostream>
#include <string>
#include <vector>

namespace hawatch::rules {

// Writes progress to out and failures to err as promtool does; returns the exit code.
int run_rule_tests(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace hawatch::rules
