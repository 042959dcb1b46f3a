#include "throttled.h"

#include "sysfs_read.h"

namespace hawatch::pi {

ThrottledState parse_get_throttled(std::string_view text, std::string_view source) {
  return ThrottledState{parse_hex(text, source)};
}

std::optional<std::filesystem::path> find_get_throttled(const Environment& env) {
  std::error_code ec;
  const auto usual = env.sys("devices/platform/soc/soc:firmware/get_throttled");
  if (std::filesystem::exists(usual, ec)) return usual;
  for (const auto& bus : list_entries(env.sys("devices/platform"), "soc")) {
    for (const auto& node : list_entries(bus, bus.filename().string() + ":firmware")) {
      const auto attribute = node / "get_throttled";
      if (std::filesystem::exists(attribute, ec)) return attribute;
    }
  }
  return std::nullopt;
}

std::optional<std::filesystem::path> find_rpi_volt_hwmon(const Environment& env) {
  for (const auto& dir : list_entries(env.sys("class/hwmon"), "hwmon")) {
    try {
      if (read_optional_attribute(dir / "name").value_or("") == "rpi_volt") return dir;
    } catch (const std::exception&) {
      // Another driver's unreadable name is not this collector's problem.
    }
  }
  return std::nullopt;
}

std::optional<ThrottledState> read_get_throttled(const Environment& env) {
  const auto path = find_get_throttled(env);
  if (!path) return std::nullopt;
  const auto text = read_optional_attribute(*path);
  if (!text) return std::nullopt;
  return parse_get_throttled(*text, path->string());
}

std::optional<bool> read_undervoltage_alarm(const Environment& env) {
  const auto dir = find_rpi_volt_hwmon(env);
  if (!dir) return std::nullopt;
  const auto path = *dir / "in0_lcrit_alarm";
  const auto text = read_optional_attribute(path);
  if (!text) return std::nullopt;
  return parse_flag(*text, path.string());
}

}  // namespace hawatch::pi
