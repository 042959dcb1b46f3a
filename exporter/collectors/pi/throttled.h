#pragma once
// Under-voltage and throttling as the Raspberry Pi firmware reports them to the kernel.
//
// Two kernel interfaces carry the firmware's GET_THROTTLED mailbox value (tag 0x00030046):
//  - the firmware node's `get_throttled` attribute (Raspberry Pi kernels,
//    drivers/firmware/raspberrypi.c: get_throttled_show() prints the value as "%x\n", i.e. hex
//    without 0x), at /sys/devices/platform/soc/soc:firmware/get_throttled. Newer Raspberry Pi
//    kernels keep it but mark it deprecated (a one-time kernel warning when first read);
//  - the `rpi_volt` hwmon device (drivers/hwmon/raspberrypi-hwmon.c, mainline and Raspberry Pi
//    kernels): it polls GET_THROTTLED every 2 s, asking the firmware to clear the sticky bits each
//    time, and shows bit 16 of the latest answer as `in0_lcrit_alarm` — so that alarm means
//    "under-voltage during the last poll", i.e. now, not since boot.
//
// The bits are vcgencmd's (Raspberry Pi documentation, "vcgencmd get_throttled"):
//   0 under-voltage detected        16 under-voltage has occurred
//   1 ARM frequency capped          17 ARM frequency capping has occurred
//   2 currently throttled           18 throttling has occurred
//   3 soft temperature limit active 19 soft temperature limit has occurred
// The "has occurred" half is sticky since boot.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "core/environment.h"

namespace hawatch::pi {

enum class ThrottleCondition : std::uint32_t {
  under_voltage = 1u << 0,
  frequency_capped = 1u << 1,
  throttled = 1u << 2,
  soft_temp_limit = 1u << 3,
};

struct ThrottledState {
  std::uint32_t raw = 0;

  bool now(ThrottleCondition c) const { return (raw & static_cast<std::uint32_t>(c)) != 0; }
  bool since_boot(ThrottleCondition c) const {
    return (raw & (static_cast<std::uint32_t>(c) << 16)) != 0;
  }
};

// The get_throttled attribute's text ("50005\n"). Throws ParseError naming `source`.
ThrottledState parse_get_throttled(std::string_view text, std::string_view source);

// The firmware node's get_throttled: the usual path, else any platform bus's "<bus>:firmware"
// node (device trees name the soc bus differently across boards). Null when there is none.
std::optional<std::filesystem::path> find_get_throttled(const Environment& env);

// The hwmon directory whose `name` is "rpi_volt" (hwmon numbering is not stable across boots).
std::optional<std::filesystem::path> find_rpi_volt_hwmon(const Environment& env);

// Reads what exists: nullopt when the interface is absent; IoError/ParseError when it is there
// but unreadable or malformed.
std::optional<ThrottledState> read_get_throttled(const Environment& env);
std::optional<bool> read_undervoltage_alarm(const Environment& env);

}  // namespace hawatch::pi
