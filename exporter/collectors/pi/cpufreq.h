#pragma once
// CPU frequency now and its limits, from the kernel's cpufreq policies
// (drivers/cpufreq/cpufreq.c; Documentation/admin-guide/pm/cpufreq.rst):
//   /sys/devices/system/cpu/cpufreq/policyN/scaling_cur_freq   current frequency, kHz
//   /sys/devices/system/cpu/cpufreq/policyN/scaling_max_freq   the limit in force now, kHz
//   /sys/devices/system/cpu/cpufreq/policyN/cpuinfo_max_freq   the hardware's maximum, kHz
// On a Pi all cores share one clock, so there is one policy (policy0); the driver is
// raspberrypi-cpufreq, which asks the firmware for the ARM clock. A limit below the hardware
// maximum means something capped the CPU (thermal framework, a governor setting, arm_freq).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/environment.h"

namespace hawatch::pi {

struct CpufreqPolicy {
  std::string policy;  // "0" for policy0
  std::optional<double> current_hertz;
  std::optional<double> limit_hertz;
  std::optional<double> hardware_max_hertz;
};

// Every policy directory; files that are absent leave their field empty. A file that is there but
// unreadable or malformed goes into `problems` (with its path) and leaves that field empty.
std::vector<CpufreqPolicy> read_cpufreq(const Environment& env, std::vector<std::string>& problems);

}  // namespace hawatch::pi
