#include "persist/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "core/file_io.h"
#include "core/unique_fd.h"

namespace hawatch::alerting {

namespace {

void write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(path, errno);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string temp_suffix() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return ".tmp." + std::to_string(::getpid()) + "." + std::to_string(rng() % 1000000000);
}

}  // namespace

void fsync_directory(const std::filesystem::path& dir) {
  const UniqueFd fd(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) throw IoError(dir, errno);
  if (::fsync(fd.get()) != 0) throw IoError(dir, errno);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view data) {
  const std::filesystem::path temp = path.string() + temp_suffix();
  try {
    {
      const UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
      if (fd.get() < 0) throw IoError(temp, errno);
      write_all(fd.get(), data, temp);
      if (::fsync(fd.get()) != 0) throw IoError(temp, errno);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) throw IoError(path, errno);
  } catch (...) {
    ::unlink(temp.c_str());
    throw;
  }
  fsync_directory(path.parent_path());
}

}  // namespace hawatch::alerting
