#pragma once
// Health of eMMC and SD storage as the kernel's MMC core exposes it, per block device:
//   /sys/block/mmcblkN/ro                (block/genhd.c disk_ro_show: "0"/"1"; an SD card's
//                                         write-protect, or a card the driver set read-only)
//   /sys/block/mmcblkN/device/type       (drivers/mmc/core/bus.c type_show: MMC, SD, SDIO, SDcombo)
//   /sys/block/mmcblkN/device/name       (CID product name, "%s")       — mmc.c and sd.c
//   /sys/block/mmcblkN/device/manfid     (CID manufacturer, "0x%06x")  — mmc.c and sd.c
//   /sys/block/mmcblkN/device/oemid      (CID OEM/application, "0x%04x") — mmc.c and sd.c
//   /sys/block/mmcblkN/device/life_time  (eMMC only, drivers/mmc/core/mmc.c: "0x%02x 0x%02x",
//                                         EXT_CSD DEVICE_LIFE_TIME_EST_TYP_A and _B)
//   /sys/block/mmcblkN/device/pre_eol_info (eMMC only, mmc.c: "0x%02x", EXT_CSD PRE_EOL_INFO)
// The life-time estimates (JEDEC JESD84-B51, EXT_CSD[268], [269]) are 0x01 for 0-10 % of the
// device's estimated life used, ... 0x0A for 90-100 %, 0x0B for beyond it; 0x00 means "not
// defined". PRE_EOL_INFO (EXT_CSD[267]) is 0x01 normal, 0x02 warning (80 % of the reserved blocks
// used), 0x03 urgent. The kernel reads EXT_CSD when the card is initialised (boot), so the values
// are as of then. SD cards have no such registers: for them only identity and read-only state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/environment.h"

namespace hawatch::pi {

struct MmcDevice {
  std::string device;  // "mmcblk0"
  std::string type;    // "MMC", "SD", ... ; empty when not reported
  std::string name;
  std::string manfid;
  std::string oemid;
  std::optional<bool> readonly;
  std::optional<unsigned> life_time_a;  // the JEDEC estimate, 0x01..0x0B; absent when 0 or reserved
  std::optional<unsigned> life_time_b;
  std::optional<unsigned> pre_eol;  // 1 normal, 2 warning, 3 urgent; absent when 0 or reserved
};

// "0x01 0x02" -> both estimates as printed (0..255). Throws ParseError naming `source`.
std::pair<unsigned, unsigned> parse_life_time(std::string_view text, std::string_view source);

// Fraction of the estimated life used, the upper end of the estimate's range (0x01 -> 0.1,
// 0x0A -> 1.0), 1.1 for 0x0B ("exceeded"); nullopt for 0 (not defined) and reserved values.
std::optional<double> life_time_used_ratio(unsigned estimate);

// Every /sys/block/mmcblkN (not the eMMC boot partitions mmcblkNbootM). Absent attributes leave
// fields empty; unreadable or malformed ones go into `problems` with their path.
std::vector<MmcDevice> read_mmc_devices(const Environment& env, std::vector<std::string>& problems);

}  // namespace hawatch::pi
