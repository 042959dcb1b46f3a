#include "startup_pages.h"

#include <sys/mman.h>

#include <charconv>
#include <optional>
#include <string>

#include "core/file_io.h"
#include "core/parse.h"

namespace hawatch {
namespace {

bool parse_hex(std::string_view text, std::uintptr_t& out) {
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, 16);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

// "start-end perms offset dev inode [path]": the header line of one mapping, or nullopt.
struct Header {
  Mapping range;
  bool candidate = false;
};
std::optional<Header> parse_header(std::string_view line) {
  const auto fields = split_fields(line);
  if (fields.size() < 5) return std::nullopt;
  const auto dash = fields[0].find('-');
  Header h;
  if (dash == std::string_view::npos || !parse_hex(fields[0].substr(0, dash), h.range.start) ||
      !parse_hex(fields[0].substr(dash + 1), h.range.end) || h.range.end <= h.range.start)
    return std::nullopt;
  const std::string_view perms = fields[1];
  if (perms.size() != 4) return std::nullopt;
  const bool file_backed = fields[4] != "0";
  h.candidate = file_backed && perms[1] == '-' && perms[3] == 'p';
  return h;
}

}  // namespace

std::vector<Mapping> releasable_mappings(std::string_view smaps) {
  std::vector<Mapping> out;
  std::optional<Header> current;
  bool has_anonymous = false;
  auto flush = [&] {
    if (current && current->candidate && !has_anonymous) out.push_back(current->range);
  };
  for_each_line(smaps, [&](std::string_view line) {
    if (line.starts_with("Anonymous:")) {
      const auto fields = split_fields(line);
      if (fields.size() < 2 || fields[1] != "0") has_anonymous = true;
      return;
    }
    // Field lines are "Name: value"; a header's first field holds the address range instead.
    const auto first_space = line.find(' ');
    if (first_space == std::string_view::npos || line.substr(0, first_space).ends_with(':')) return;
    if (auto header = parse_header(line)) {
      flush();
      current = header;
      has_anonymous = false;
    }
  });
  flush();
  return out;
}

bool single_threaded() {
  std::string status;
  int err = 0;
  if (!read_file_into("/proc/self/status", status, err)) return false;
  bool one = false;
  for_each_line(status, [&](std::string_view line) {
    if (line.starts_with("Threads:")) {
      const auto fields = split_fields(line);
      one = fields.size() == 2 && fields[1] == "1";
    }
  });
  return one;
}

std::size_t release_startup_pages() {
  if (!single_threaded()) return 0;
  std::string smaps;
  int err = 0;
  if (!read_file_into("/proc/self/smaps", smaps, err, 16 << 20)) return 0;
  std::size_t advised = 0;
  for (const auto& m : releasable_mappings(smaps)) {
    void* start = reinterpret_cast<void*>(m.start);
    const std::size_t length = m.end - m.start;
    ::madvise(start, length, MADV_RANDOM);
    if (::madvise(start, length, MADV_DONTNEED) == 0) advised += length;
  }
  return advised;
}

}  // namespace hawatch
