// The web-config file (--web.config.file): TLS settings, basic-auth users, extra headers. Any
// text is a WebConfig or a ConfigError naming the file; what is accepted holds only bcrypt hashes
// and header names and values that cannot split a response.

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config_reader.h"
#include "http/web_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    // A directory that does not exist: relative TLS file names resolve into it and are not found.
    const auto config = hawatch::parse_web_config(text, "/nonexistent-fuzz/web.yml");
    for (const auto& [user, hash] : config.basic_auth_users)
      if (hash.rfind("$2", 0) != 0) __builtin_trap();
    for (const auto& [name, value] : config.headers)
      if (name.find_first_of("\r\n") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos)
        __builtin_trap();
  } catch (const hawatch::ConfigError& e) {
    if (std::string(e.what()).find("web.yml") == std::string::npos) __builtin_trap();
  }
  return 0;
}
