#include "file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "environment.h"
#include "unique_fd.h"

namespace hawatch {

std::filesystem::path Environment::join(const std::filesystem::path& base, std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  if (rel.empty()) return base;
  return base / std::filesystem::path(rel);
}

IoError::IoError(const std::filesystem::path& path, int err)
    : std::runtime_error(path.string() + ": " + std::strerror(err)), err_(err) {}

IoError::IoError(const std::filesystem::path& path, const std::string& what)
    : std::runtime_error(path.string() + ": " + what) {}

bool IoError::not_found() const {
  return err_ == ENOENT || err_ == ENOTDIR;
}

namespace {

bool read_fd_into(const UniqueFd& fd, std::string& buffer, int& err, std::size_t max_bytes) {
  // /proc files report size 0, so grow in chunks instead of trusting fstat.
  std::size_t used = 0;
  if (buffer.capacity() < 4096) buffer.reserve(4096);
  for (;;) {
    if (used == buffer.capacity()) buffer.reserve(buffer.capacity() * 2);
    buffer.resize(buffer.capacity());
    const ssize_t n = ::read(fd.get(), buffer.data() + used, buffer.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      buffer.clear();
      return false;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    if (used > max_bytes) {
      err = EFBIG;
      buffer.clear();
      return false;
    }
  }
  buffer.resize(used);
  err = 0;
  return true;
}

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  return "a special file";
}

}  // namespace

bool read_file_into(const std::filesystem::path& path, std::string& buffer, int& err,
                    std::size_t max_bytes) {
  buffer.clear();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    err = errno;
    return false;
  }
  return read_fd_into(fd, buffer, err, max_bytes);
}

bool read_regular_file_into(const std::filesystem::path& path, std::string& buffer,
                            std::string& error, std::size_t max_bytes) {
  buffer.clear();
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    error = std::string("is ") + file_kind(st.st_mode) + ", not a regular file";
    return false;
  }
  int err = 0;
  if (!read_fd_into(fd, buffer, err, max_bytes)) {
    error = std::strerror(err);
    return false;
  }
  return true;
}

std::string read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  std::string out;
  int err = 0;
  if (!read_file_into(path, out, err, max_bytes)) throw IoError(path, err);
  return out;
}

std::string read_attribute(const std::filesystem::path& path) {
  std::string text = read_file(path, 64 * 1024);
  const auto nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

}  // namespace hawatch
