#include "mmc_health.h"

#include <algorithm>
#include <cstdio>

#include "core/parse.h"
#include "sysfs_read.h"

namespace hawatch::pi {
namespace {

bool is_mmc_disk(const std::string& name) {
  const std::string_view digits = std::string_view(name).substr(6);  // after "mmcblk"
  return !digits.empty() && digits.size() <= 3 &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Runs `fn(text, path)` on an attribute that exists; a failure becomes a problem.
template <typename Fn>
void with_attribute(const std::filesystem::path& path, std::vector<std::string>& problems,
                    Fn&& fn) {
  try {
    if (const auto text = read_optional_attribute(path)) fn(*text, path.string());
  } catch (const std::exception& e) {
    problems.emplace_back(e.what());
  }
}

std::string hex_label(std::uint32_t value, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*x", width, static_cast<unsigned>(value));
  return buf;
}

std::optional<unsigned> defined_level(unsigned value, unsigned highest) {
  if (value == 0 || value > highest) return std::nullopt;  // not defined, or reserved
  return value;
}

void read_card(const std::filesystem::path& card, MmcDevice& d,
               std::vector<std::string>& problems) {
  // Identity strings are labels: bounded, printable.
  with_attribute(card / "type", problems, [&](std::string_view t, const std::string&) {
    d.type = printable_label(trim(t), 16);
  });
  with_attribute(card / "name", problems, [&](std::string_view t, const std::string&) {
    d.name = printable_label(trim(t), 32);
  });
  // Re-printed in the kernel's own format, so a label is the same whatever the kernel version.
  with_attribute(card / "manfid", problems, [&](std::string_view t, const std::string& src) {
    d.manfid = hex_label(parse_hex(t, src, 6), 6);
  });
  with_attribute(card / "oemid", problems, [&](std::string_view t, const std::string& src) {
    d.oemid = hex_label(parse_hex(t, src, 4), 4);
  });
  with_attribute(card / "life_time", problems, [&](std::string_view t, const std::string& src) {
    const auto [a, b] = parse_life_time(t, src);
    d.life_time_a = defined_level(a, 0x0B);
    d.life_time_b = defined_level(b, 0x0B);
  });
  with_attribute(card / "pre_eol_info", problems, [&](std::string_view t, const std::string& src) {
    d.pre_eol = defined_level(parse_hex(t, src, 2), 3);
  });
}

}  // namespace

std::pair<unsigned, unsigned> parse_life_time(std::string_view text, std::string_view source) {
  const auto fields = split_fields(trim(text));
  if (fields.size() != 2)
    throw ParseError(source, "expected two life-time estimates (\"0x01 0x02\"), got \"" +
                                 printable_label(trim(text), 32) + "\"");
  return {parse_hex(fields[0], source, 2), parse_hex(fields[1], source, 2)};
}

std::optional<double> life_time_used_ratio(unsigned estimate) {
  if (estimate == 0 || estimate > 0x0B) return std::nullopt;
  return estimate / 10.0;
}

std::vector<MmcDevice> read_mmc_devices(const Environment& env,
                                        std::vector<std::string>& problems) {
  std::vector<MmcDevice> out;
  for (const auto& dir : list_entries(env.sys("block"), "mmcblk")) {
    MmcDevice d;
    d.device = dir.filename().string();
    if (!is_mmc_disk(d.device)) continue;
    with_attribute(dir / "ro", problems, [&](std::string_view t, const std::string& src) {
      d.readonly = parse_flag(t, src);
    });
    read_card(dir / "device", d, problems);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace hawatch::pi
