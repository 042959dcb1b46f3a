// The node collector's /proc parsers must reject any input with ParseError, never crash.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collectors/node/node_parsers.h"
#include "core/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try { hawatch::node::parse_loadavg(text); } catch (const hawatch::ParseError&) {}
  try { hawatch::node::parse_meminfo(text); } catch (const hawatch::ParseError&) {}
  try { hawatch::node::parse_boot_time(text); } catch (const hawatch::ParseError&) {}
  try { hawatch::node::parse_millidegrees(text, "fuzz"); } catch (const hawatch::ParseError&) {}
  return 0;
}
