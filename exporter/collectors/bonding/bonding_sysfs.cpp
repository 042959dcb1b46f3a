#include "bonding_sysfs.h"

#include <filesystem>

#include "core/file_io.h"
#include "core/parse.h"

namespace hawatch::bonding {
namespace fs = std::filesystem;

std::vector<std::string> parse_name_list(std::string_view text) {
  // split_fields() splits on spaces and tabs only; these files end in (and may hold) newlines.
  std::string flat(text);
  for (char& c : flat)
    if (c == '\n' || c == '\r') c = ' ';
  std::vector<std::string> names;
  for (const auto field : split_fields(flat)) names.emplace_back(field);
  return names;
}

std::string parse_mode(std::string_view text, std::string_view source) {
  const auto fields = split_fields(trim(text));
  if (fields.empty()) throw ParseError(source, "empty bonding mode");
  return std::string(fields.front());
}

bool parse_link_status(std::string_view text, std::string_view source) {
  const auto value = trim(text);
  if (value == "up") return true;
  if (value == "down" || value == "going down" || value == "going back" || value == "unknown")
    return false;
  throw ParseError(source, "bad MII status \"" + std::string(value.substr(0, 64)) + "\"");
}

namespace {

// Reads one attribute; a missing file is "not provided by this kernel" (nullopt), any other
// failure a problem.
std::optional<std::string> attribute(const fs::path& path, std::vector<std::string>& problems,
                                     bool required) {
  try {
    return read_file(path, 64 * 1024);
  } catch (const IoError& e) {
    if (required || !e.not_found()) problems.emplace_back(e.what());
    return std::nullopt;
  }
}

template <typename T, typename Parse>
std::optional<T> parsed(const fs::path& path, std::vector<std::string>& problems, bool required,
                        Parse&& parse) {
  const auto text = attribute(path, problems, required);
  if (!text) return std::nullopt;
  try {
    return parse(*text, path.string());
  } catch (const ParseError& e) {
    problems.emplace_back(e.what());
    return std::nullopt;
  }
}

std::int64_t integer(std::string_view text, const std::string& source) {
  const auto v = to_int64(trim(text));
  if (!v) throw ParseError(source, "not an integer: \"" + std::string(trim(text).substr(0, 64)) + "\"");
  return *v;
}

std::optional<fs::path> slave_dir(const fs::path& bond_dir, const std::string& slave) {
  for (const auto& prefix : {"lower_", "slave_"}) {
    const auto dir = bond_dir / (prefix + slave) / "bonding_slave";
    std::error_code ec;
    if (fs::is_directory(dir, ec)) return dir;
  }
  return std::nullopt;
}

SysfsSlave read_slave(const fs::path& dir, const std::string& name, std::vector<std::string>& problems) {
  SysfsSlave s;
  s.name = name;
  s.mii_up = parsed<bool>(dir / "mii_status", problems, true, parse_link_status);
  s.state = parsed<std::string>(dir / "state", problems, false,
                                [](std::string_view t, const std::string& src) {
                                  const auto v = trim(t);
                                  if (v.empty()) throw ParseError(src, "empty slave state");
                                  return std::string(v);
                                });
  s.link_failures = parsed<std::uint64_t>(dir / "link_failure_count", problems, false,
                                          [](std::string_view t, const std::string& src) {
                                            const auto v = to_uint64(trim(t));
                                            if (!v) throw ParseError(src, "not a count");
                                            return *v;
                                          });
  // Present (and meaningful) only in 802.3ad mode.
  s.aggregator_id = parsed<std::int64_t>(dir / "ad_aggregator_id", problems, false, integer);
  return s;
}

SysfsBond read_bond(const fs::path& net, const std::string& name, std::vector<std::string>& problems) {
  SysfsBond b;
  b.name = name;
  const auto dir = net / name / "bonding";
  b.mode = parsed<std::string>(dir / "mode", problems, true, parse_mode);
  b.mii_up = parsed<bool>(dir / "mii_status", problems, true, parse_link_status);
  b.miimon_ms = parsed<std::int64_t>(dir / "miimon", problems, false, integer);
  if (const auto active = attribute(dir / "active_slave", problems, false))
    b.active_slave = std::string(trim(*active));
  if (b.mode == "802.3ad") {
    // Reading these on a bond without an active aggregator fails with EINVAL/empty: optional.
    std::vector<std::string> ignored;
    b.ad_aggregator_id = parsed<std::int64_t>(dir / "ad_aggregator", ignored, false, integer);
    b.ad_num_ports = parsed<std::int64_t>(dir / "ad_num_ports", ignored, false, integer);
  }
  if (const auto slaves = attribute(dir / "slaves", problems, true)) b.slave_names = parse_name_list(*slaves);
  for (const auto& slave : b.slave_names) {
    if (const auto sdir = slave_dir(net / name, slave)) {
      b.slaves.push_back(read_slave(*sdir, slave, problems));
    } else {
      problems.push_back((net / name).string() + ": no lower_" + slave + "/bonding_slave or slave_" +
                         slave + "/bonding_slave directory for slave " + slave);
    }
  }
  return b;
}

}  // namespace

std::vector<SysfsBond> read_sysfs_bonds(const Environment& env, std::vector<std::string>& problems) {
  const auto net = env.sys("class/net");
  const auto masters = read_file(net / "bonding_masters", 64 * 1024);  // IoError: no bonding at all
  std::vector<SysfsBond> bonds;
  for (const auto& name : parse_name_list(masters)) bonds.push_back(read_bond(net, name, problems));
  return bonds;
}

}  // namespace hawatch::bonding
