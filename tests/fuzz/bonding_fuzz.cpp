// The bonding parsers (/proc/net/bonding/<bond>, sysfs values) must reject any input with
// ParseError, never crash; what they accept must be self-consistent.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/bonding/bonding_proc.h"
#include "collectors/bonding/bonding_sysfs.h"
#include "core/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto bond = hawatch::bonding::parse_proc_bonding(text, "fuzz");
    for (const auto& slave : bond.slaves)
      if (slave.name.empty()) std::abort();  // a slave always has a name
    (void)hawatch::bonding::mode_short_name(bond.mode);
  } catch (const hawatch::ParseError&) {
  }
  try { (void)hawatch::bonding::parse_mode(text, "fuzz"); } catch (const hawatch::ParseError&) {}
  try { (void)hawatch::bonding::parse_link_status(text, "fuzz"); } catch (const hawatch::ParseError&) {}
  for (const auto& name : hawatch::bonding::parse_name_list(text))
    if (name.empty() || name.find_first_of(" \t\n") != std::string::npos) std::abort();
  return 0;
}
