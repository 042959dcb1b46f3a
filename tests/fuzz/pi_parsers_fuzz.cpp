// The pi collector's parsers (mountinfo, get_throttled, life_time, sysfs flags and hex values,
// label sanitising) must reject any input with ParseError, never crash; what they accept must be
// self-consistent.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "collectors/pi/mmc_health.h"
#include "collectors/shared/mountinfo.h"
#include "collectors/pi/sysfs_read.h"
#include "collectors/pi/throttled.h"
#include "core/parse.h"

using namespace hawatch;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto mounts = mounts::parse_mountinfo(text, "fuzz");
    for (const auto& m : mounts)
      if (m.mountpoint.empty() || m.mountpoint.front() != '/') std::abort();
    for (const auto& m : mounts) {
      const auto* found = mounts::mount_containing(mounts, m.mountpoint);
      // A mount's own mountpoint is always found, on a mount at least as deep.
      if (!found || found->mountpoint.size() < m.mountpoint.size()) std::abort();
    }
  } catch (const ParseError&) {
  }
  if (mounts::unescape_mount_path(text).size() > text.size()) std::abort();
  try {
    (void)pi::parse_get_throttled(text, "fuzz");
  } catch (const ParseError&) {
  }
  try {
    const auto [a, b] = pi::parse_life_time(text, "fuzz");
    if (a > 0xff || b > 0xff) std::abort();
    if (const auto r = pi::life_time_used_ratio(a); r && (*r <= 0 || *r > 1.1)) std::abort();
  } catch (const ParseError&) {
  }
  try {
    (void)pi::parse_flag(text, "fuzz");
  } catch (const ParseError&) {
  }
  try {
    (void)pi::parse_decimal(text, "fuzz");
  } catch (const ParseError&) {
  }
  for (const char c : pi::printable_label(text))
    if (c < 0x20 || c >= 0x7f) std::abort();
  return 0;
}
