#pragma once
// Which filesystems have gone read-only, from /proc/PID/mountinfo (node and pi use it)
// (format: Documentation/filesystems/proc.rst "3.5 /proc/<pid>/mountinfo"; printed by
// show_mountinfo() in fs/proc_namespace.c):
//   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
//   (1)(2) (3)   (4)   (5)         (6)        (7)   (8) (9)   (10)        (11)
// (6) starts with the per-mount flag (MNT_READONLY: "ro"/"rw"), (11) with the superblock's
// (sb_rdonly()). Only the superblock flag counts here: it is what an ext4 "errors=remount-ro", a
// `mount -o remount,ro`, or a write-protected card set, and it is the same in every mount
// namespace; the per-mount flag is also set by sandboxing (systemd's ProtectSystem=strict makes
// hawatch's own view of / read-only), which says nothing about the filesystem.
// Paths in (4), (5) and (10) escape space, tab, newline and backslash as \ooo octal.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/environment.h"

namespace hawatch::mounts {

struct MountEntry {
  std::string mountpoint;
  std::string fstype;
  std::string source;
  bool mount_readonly = false;  // per-mount flag (field 6)
  bool super_readonly = false;  // superblock flag (field 11): the filesystem is read-only
};

// Every line in order. Throws ParseError naming `source` and the line number for a line that is
// not in mountinfo format.
std::vector<MountEntry> parse_mountinfo(std::string_view text, std::string_view source);

// The mount `path` (absolute, normalised) lives on: the longest mountpoint that is `path` or one
// of its parent directories; among mounts on the same mountpoint the last, which is the one on
// top. Null when nothing matches (no "/" in the table).
const MountEntry* mount_containing(const std::vector<MountEntry>& mounts, std::string_view path);

// The host's mount table: PID 1's (the host's view; hawatch's own may be a sandbox's, e.g.
// ProtectSystem=), else hawatch's own where PID 1's is hidden (hidepid, another PID namespace),
// which still shows superblock state. `source` is set to the file read. nullopt when neither can
// be read; throws IoError for other read errors and ParseError for a malformed table.
struct MountTable {
  std::string source;
  std::vector<MountEntry> entries;
};
std::optional<MountTable> read_mount_table(const Environment& env, std::string& buffer);

// \040 -> ' ' and friends, as the kernel's mangle()/seq_path escape them.
std::string unescape_mount_path(std::string_view text);

}  // namespace hawatch::mounts
