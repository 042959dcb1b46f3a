#include "mountinfo.h"

#include <cerrno>

#include "core/file_io.h"
#include "core/parse.h"

namespace hawatch::mounts {
namespace {

bool first_option_is_ro(std::string_view options) {
  return options.substr(0, options.find(',')) == "ro";
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}

// `path` is `mountpoint` or below it, by whole path components.
bool is_under(std::string_view path, std::string_view mountpoint) {
  if (mountpoint == "/") return !path.empty() && path.front() == '/';
  if (path.compare(0, mountpoint.size(), mountpoint) != 0) return false;
  return path.size() == mountpoint.size() || path[mountpoint.size()] == '/';
}

}  // namespace

std::string unescape_mount_path(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && is_octal(text[i + 1]) && is_octal(text[i + 2]) &&
        is_octal(text[i + 3])) {
      out.push_back(static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) |
                                      (text[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<MountEntry> parse_mountinfo(std::string_view text, std::string_view source) {
  std::vector<MountEntry> mounts;
  std::size_t line_number = 0;
  for_each_line(text, [&](std::string_view line) {
    ++line_number;
    if (trim(line).empty()) return;
    const auto fields = split_fields(line);
    const auto bad = [&](const std::string& what) {
      return ParseError(source, "line " + std::to_string(line_number) + ": " + what);
    };
    // Six fixed fields, optional tagged fields, "-", then type, source and super options.
    std::size_t separator = 6;
    while (separator < fields.size() && fields[separator] != "-") ++separator;
    if (fields.size() < 10 || separator + 3 >= fields.size())
      throw bad(
          "not in mountinfo format (expected \"ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... "
          "- TYPE SOURCE SUPER_OPTIONS\")");
    if (fields[4].empty() || fields[4].front() != '/') throw bad("mount point is not absolute");
    MountEntry m;
    m.mountpoint = unescape_mount_path(fields[4]);
    m.mount_readonly = first_option_is_ro(fields[5]);
    m.fstype = std::string(fields[separator + 1]);
    m.source = unescape_mount_path(fields[separator + 2]);
    m.super_readonly = first_option_is_ro(fields[separator + 3]);
    mounts.push_back(std::move(m));
  });
  return mounts;
}

const MountEntry* mount_containing(const std::vector<MountEntry>& mounts, std::string_view path) {
  const MountEntry* best = nullptr;
  for (const auto& m : mounts) {
    if (!is_under(path, m.mountpoint)) continue;
    // ">=": a later mount on the same mountpoint is stacked on top of the earlier one.
    if (!best || m.mountpoint.size() >= best->mountpoint.size()) best = &m;
  }
  return best;
}

std::optional<MountTable> read_mount_table(const Environment& env, std::string& buffer) {
  for (const char* which : {"1/mountinfo", "self/mountinfo"}) {
    const auto path = env.proc(which);
    int err = 0;
    if (!read_file_into(path, buffer, err, 4 << 20)) {
      if (err == ENOENT || err == EACCES || err == EPERM || err == ENOTDIR) continue;
      throw IoError(path, err);
    }
    return MountTable{path.string(), parse_mountinfo(buffer, path.string())};
  }
  return std::nullopt;
}

}  // namespace hawatch::mounts
