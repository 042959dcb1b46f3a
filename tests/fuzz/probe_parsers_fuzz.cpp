// The probes' config-text parsers (JSON check expressions, HOST:PORT) must reject any input with
// an error message, never crash; what they accept must be self-consistent.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "collectors/shared/host_address.h"
#include "collectors/probes/probe_json_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string why;
  if (auto check = hawatch::probe::parse_json_check(text, &why)) {
    if (check->path.empty()) std::abort();  // a check always names a field
  } else if (why.empty()) {
    std::abort();  // a rejection always says why
  }
  why.clear();
  for (int default_port : {0, 53}) {
    if (auto hp = hawatch::net::parse_host_port(text, default_port, &why)) {
      if (hp->host.empty() || hp->port < 1 || hp->port > 65535) std::abort();
      (void)hawatch::net::format_host_port(*hp);
    } else if (why.empty()) {
      std::abort();
    }
  }
  return 0;
}
