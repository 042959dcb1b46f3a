#include "cpufreq.h"

#include "core/parse.h"
#include "sysfs_read.h"

namespace hawatch::pi {
namespace {

std::optional<double> read_khz_as_hertz(const std::filesystem::path& path,
                                        std::vector<std::string>& problems) {
  try {
    const auto text = read_optional_attribute(path);
    if (!text) return std::nullopt;
    return static_cast<double>(parse_decimal(*text, path.string())) * 1000.0;
  } catch (const std::exception& e) {
    problems.emplace_back(e.what());
    return std::nullopt;
  }
}

}  // namespace

std::vector<CpufreqPolicy> read_cpufreq(const Environment& env,
                                        std::vector<std::string>& problems) {
  std::vector<CpufreqPolicy> out;
  for (const auto& dir : list_entries(env.sys("devices/system/cpu/cpufreq"), "policy")) {
    CpufreqPolicy p;
    p.policy = dir.filename().string().substr(6);
    if (p.policy.empty() || !to_uint64(p.policy)) continue;  // not policyN
    p.current_hertz = read_khz_as_hertz(dir / "scaling_cur_freq", problems);
    p.limit_hertz = read_khz_as_hertz(dir / "scaling_max_freq", problems);
    p.hardware_max_hertz = read_khz_as_hertz(dir / "cpuinfo_max_freq", problems);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace hawatch::pi
