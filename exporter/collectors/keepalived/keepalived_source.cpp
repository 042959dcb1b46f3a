#include "keepalived_source.h"

#include <filesystem>

namespace hawatch {

bool keepalived_source_exists(const Environment& env) {
  std::error_code ec;
  return std::filesystem::exists(env.root("/etc/keepalived/keepalived.conf"), ec);
}

}  // namespace hawatch
