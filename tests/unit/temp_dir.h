#pragma once
// Test helper: a scratch directory, removed with everything in it when the test ends.

#include <boost/test/unit_test.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace hawatch::test {

struct TempDir {
  std::filesystem::path path;

  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hawatch-test-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have taken its own permissions away to provoke an error.
    std::filesystem::permissions(path, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace hawatch::test
