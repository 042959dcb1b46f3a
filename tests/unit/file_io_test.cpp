// Reading the files a user names (config, rule and web-config files): only regular files, and a
// FIFO or a symlink loop is an immediate, clear error — never a blocked open or read.
#define BOOST_TEST_MODULE file_io
#include "core/file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <string>

#include "temp_dir.h"

using hawatch::read_regular_file_into;
using hawatch::test::TempDir;

namespace {
std::string refusal(const std::filesystem::path& path) {
  std::string text = "left over", error;
  BOOST_TEST(!read_regular_file_into(path, text, error));
  BOOST_TEST(text.empty());
  return error;
}
}  // namespace

BOOST_AUTO_TEST_CASE(regular_file_is_read) {
  TempDir dir;
  std::ofstream(dir.path / "a.yml") << "global: {}\n";
  std::string text, error;
  BOOST_TEST(read_regular_file_into(dir.path / "a.yml", text, error));
  BOOST_TEST(text == "global: {}\n");
  BOOST_TEST(error.empty());
}

BOOST_AUTO_TEST_CASE(fifo_is_refused_at_once) {
  TempDir dir;
  const auto fifo = dir.path / "fifo.yml";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const auto t0 = std::chrono::steady_clock::now();
  BOOST_TEST(refusal(fifo) == "is a FIFO, not a regular file");
  // No writer ever comes: a blocking open would never return at all.
  const auto waited = std::chrono::steady_clock::now() - t0;
  BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(waited).count() < 5);
}

BOOST_AUTO_TEST_CASE(directory_missing_file_and_symlink_loop) {
  TempDir dir;
  BOOST_TEST(refusal(dir.path) == "is a directory, not a regular file");
  BOOST_TEST(refusal(dir.path / "missing.yml") == "No such file or directory");
  const auto loop = dir.path / "loop.yml";
  BOOST_REQUIRE(::symlink(loop.c_str(), loop.c_str()) == 0);
  BOOST_TEST(refusal(loop) == "Too many levels of symbolic links");
  BOOST_TEST(refusal("/dev/null") == "is a device, not a regular file");
}

BOOST_AUTO_TEST_CASE(size_cap_applies) {
  TempDir dir;
  std::ofstream(dir.path / "big.yml") << std::string(5000, 'x');
  std::string text, error;
  BOOST_TEST(!read_regular_file_into(dir.path / "big.yml", text, error, 4096));
  BOOST_TEST(error == "File too large");
}
