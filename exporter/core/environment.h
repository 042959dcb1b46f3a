#pragma once
// Where a collector looks for its sources. Every host path goes through here, which is what makes
// --path.procfs / --path.sysfs / --path.rootfs work for fixture trees and for containers that mount
// the host's /proc at /host/proc.

#include <filesystem>
#include <string>
#include <string_view>

namespace hawatch {

struct Environment {
  std::filesystem::path procfs = "/proc";
  std::filesystem::path sysfs = "/sys";
  std::filesystem::path rootfs = "/";
  std::string node_name;

  std::filesystem::path proc(std::string_view relative) const { return join(procfs, relative); }
  std::filesystem::path sys(std::string_view relative) const { return join(sysfs, relative); }
  // A host path such as "/var/lib/amslpr" seen through --path.rootfs.
  std::filesystem::path root(std::string_view absolute) const { return join(rootfs, absolute); }

 private:
  static std::filesystem::path join(const std::filesystem::path& base, std::string_view rel);
};

}  // namespace hawatch
