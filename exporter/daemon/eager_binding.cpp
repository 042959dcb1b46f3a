#include "eager_binding.h"

#include <unistd.h>

#include <cstdlib>

namespace hawatch {
namespace {
// Marks an LD_BIND_NOW that hawatch set itself, as opposed to one from the user's environment.
constexpr const char* kMarker = "HAWATCH_EAGER_BINDING";
}  // namespace

void ensure_eager_binding(char** argv) {
  if (std::getenv(kMarker)) {
    unsetenv(kMarker);
    unsetenv("LD_BIND_NOW");
    return;
  }
  if (std::getenv("LD_BIND_NOW")) return;
  if (setenv("LD_BIND_NOW", "1", 1) != 0 || setenv(kMarker, "1", 1) != 0) return;
  // /proc/self/exe, not argv[0]: the very binary that is running, wherever PATH points.
  execv("/proc/self/exe", argv);
  // No /proc (or exec refused): carry on, only the memory saving is lost.
  unsetenv(kMarker);
  unsetenv("LD_BIND_NOW");
}

}  // namespace hawatch
