#pragma once
// Test helper: how much slower than a native build this run's clock may be. Wall-time guards
// multiply their bound by it. scripts/arm64.sh sets HAWATCH_TEST_TIME_SCALE for unit tests run
// under qemu-user, which emulates arm64 several times slower than the host runs amd64.

#include <cstdlib>
#include <exception>
#include <string>

namespace hawatch::test {

inline double time_scale() {
  const char* text = std::getenv("HAWATCH_TEST_TIME_SCALE");
  if (text == nullptr) return 1.0;
  try {
    const double scale = std::stod(text);
    // A typo must not turn a guard off or make it stricter than native.
    return scale >= 1.0 && scale <= 100.0 ? scale : 1.0;
  } catch (const std::exception&) {
    return 1.0;
  }
}

}  // namespace hawatch::test
