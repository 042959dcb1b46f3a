// Releasing start-up pages: which mappings qualify (parsed from smaps text as the kernel writes
// it), and that releasing them in this very process loses no data, whatever the mapping holds.
#define BOOST_TEST_MODULE startup_pages
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <future>

#include "core/file_io.h"
#include "daemon/startup_pages.h"

using namespace hawatch;

namespace {

// Abridged from a real /proc/PID/smaps of hawatch (field lines trimmed to those that matter).
const char* const kSmaps = R"(55d0c6a00000-55d0c6a4f000 r--p 00000000 fe:01 1312 /usr/bin/hawatch
Size:                316 kB
Rss:                 316 kB
Anonymous:             0 kB
VmFlags: rd mr mw me sd
55d0c6a4f000-55d0c6c00000 r-xp 0004f000 fe:01 1312 /usr/bin/hawatch
Size:               1732 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me sd
55d0c6e00000-55d0c6e10000 r--p 00200000 fe:01 1312 /usr/bin/hawatch
Size:                 64 kB
Anonymous:            64 kB
VmFlags: rd mr mw me ac sd
55d0c6e10000-55d0c6e12000 rw-p 00210000 fe:01 1312 /usr/bin/hawatch
Anonymous:             8 kB
55d0c8000000-55d0c8100000 rw-p 00000000 00:00 0 [heap]
Anonymous:          1024 kB
7f0000000000-7f0000100000 r--s 00000000 00:05 77 /dev/shm/segment
Anonymous:             0 kB
7f1000000000-7f1000200000 r-xp 00000000 fe:01 4242 /usr/lib/x86_64-linux-gnu/libPocoFoundation.so.80
Size:               2048 kB
Anonymous:             0 kB
THPeligible:    0
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
Anonymous:           132 kB
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]
Anonymous:             0 kB
)";

}  // namespace

BOOST_AUTO_TEST_CASE(only_clean_private_read_only_file_mappings_qualify) {
  const auto m = releasable_mappings(kSmaps);
  BOOST_REQUIRE_EQUAL(m.size(), 3u);
  BOOST_TEST(m[0].start == 0x55d0c6a00000u);  // read-only data of the binary
  BOOST_TEST(m[0].end == 0x55d0c6a4f000u);
  BOOST_TEST(m[1].start == 0x55d0c6a4f000u);  // its code
  BOOST_TEST(m[2].start == 0x7f1000000000u);  // a library's code (the last field block counts too)
  // Not: RELRO (copy-on-write pages), writable data, heap, a shared mapping, stack, vsyscall.
}

BOOST_AUTO_TEST_CASE(malformed_smaps_yields_nothing_and_does_not_crash) {
  BOOST_TEST(releasable_mappings("").empty());
  BOOST_TEST(releasable_mappings("garbage\nmore garbage here\n").empty());
  BOOST_TEST(releasable_mappings("zz-yy r-xp 0 fe:01 5 /x\nAnonymous: 0 kB\n").empty());
  BOOST_TEST(releasable_mappings("2000-1000 r-xp 0 fe:01 5 /x\n").empty());  // end before start
  BOOST_TEST(releasable_mappings("1000-2000 r-xp 0 fe:01\n").empty());       // no inode field
  const auto truncated = releasable_mappings("1000-2000 r-xp 00000000 fe:01 5 /x\nAnonym");
  BOOST_TEST(truncated.size() == 1u);  // a header without field lines still describes a mapping
}

BOOST_AUTO_TEST_CASE(release_in_this_process_keeps_every_byte) {
  namespace fs = std::filesystem;
  const fs::path file = fs::temp_directory_path() / ("hawatch-startup-pages-" + std::to_string(::getpid()));
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t size = 64 * page;
  {
    std::ofstream out(file, std::ios::binary);
    for (std::size_t i = 0; i < size; ++i) out.put(static_cast<char>(i * 7 % 251));
  }
  const int fd = ::open(file.c_str(), O_RDONLY);
  BOOST_REQUIRE(fd >= 0);
  // A clean read-only mapping (qualifies), and a relocated-then-protected one (RELRO-like: it has
  // copy-on-write pages and must keep them).
  auto* clean = static_cast<unsigned char*>(::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0));
  auto* relro = static_cast<unsigned char*>(::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
  ::close(fd);
  BOOST_REQUIRE(clean != MAP_FAILED);
  BOOST_REQUIRE(relro != MAP_FAILED);
  unsigned sum = 0;
  for (std::size_t i = 0; i < size; i += page) sum += clean[i];
  for (std::size_t i = 0; i < size; i += page) relro[i] = 0xAB;
  BOOST_REQUIRE(::mprotect(relro, size, PROT_READ) == 0);

  std::string smaps = read_file("/proc/self/smaps", 16 << 20);
  const auto eligible = releasable_mappings(smaps);
  auto listed = [&](const void* p) {
    const auto a = reinterpret_cast<std::uintptr_t>(p);
    for (const auto& m : eligible)
      if (m.start <= a && a < m.end) return true;
    return false;
  };
  BOOST_TEST(listed(clean));
  BOOST_TEST(!listed(relro));

  BOOST_TEST(release_startup_pages() > 0u);
  unsigned again = 0;
  for (std::size_t i = 0; i < size; i += page) again += clean[i];
  BOOST_TEST(again == sum);
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned char want = (i % page == 0) ? 0xAB : static_cast<unsigned char>(i * 7 % 251);
    if (relro[i] != want) BOOST_FAIL("relocated byte " << i << " lost");
  }
  ::munmap(clean, size);
  ::munmap(relro, size);
  fs::remove(file);
}

BOOST_AUTO_TEST_CASE(refuses_while_another_thread_runs) {
  std::promise<void> stop;
  std::thread other([f = stop.get_future()]() mutable { f.wait(); });
  BOOST_TEST(release_startup_pages() == 0u);
  stop.set_value();
  other.join();
}
