#pragma once
// Hands back the pages of the binary and its shared libraries that only start-up needed.
//
// Loading ~50 shared libraries (Poco binds every symbol at load time) and parsing the config touch
// code and read-only data all over them, and the kernel maps 64 KiB around every such fault: after
// start-up ~16 MiB of file pages are resident, most of which a serving hawatch never uses again.
// Dropping them (MADV_DONTNEED) is what the kernel's reclaim does to clean file pages at any time:
// a page needed again is mapped back from the page cache, and MADV_RANDOM stops read-ahead when it
// has to come from disk. (The kernel still maps the already-cached neighbours of a faulting page
// within its 64 KiB window, whatever the advice: steady-state code grows resident in such steps,
// so code that runs together should sit together.) It loses nothing only for mappings whose
// every page is still the file's own: private, never writable, no copy-on-write page (relocated
// data made read-only, like RELRO, has them) — and only while no other thread can map, unmap or
// relocate meanwhile, so it runs before hawatch starts its first thread and refuses otherwise.
// (MADV_PAGEOUT would be race-free, but the kernel honours it for file pages only when the caller
// could write the file: never for an unprivileged daemon and /usr/lib.)

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hawatch {

struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;
};

// The mappings in /proc/PID/smaps text that may be released: private, not writable, backed by a
// file, and without a single copy-on-write page (relocated data made read-only afterwards, like
// RELRO, has them and must keep them).
std::vector<Mapping> releasable_mappings(std::string_view smaps);

// Drops this process's releasable mappings; returns the bytes of mappings dropped. Does nothing
// (returns 0) unless the process has exactly one thread, or when /proc/self cannot be read.
std::size_t release_startup_pages();

}  // namespace hawatch
