#pragma once
// Small, bounded file reads for /proc and /sys: one open, read() until EOF, no iostreams.

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace hawatch {

// Any I/O failure; the message names the path and the OS error.
class IoError : public std::runtime_error {
 public:
  IoError(const std::filesystem::path& path, int err);
  IoError(const std::filesystem::path& path, const std::string& what);
  int error_code() const { return err_; }
  bool not_found() const;

 private:
  int err_ = 0;
};

// Reads a whole file (at most `max_bytes`; larger files are an error, so a runaway file cannot
// exhaust memory). Throws IoError.
std::string read_file(const std::filesystem::path& path, std::size_t max_bytes = 1 << 20);

// Reads into `buffer`, reusing its capacity between calls; returns false (with `err` set to errno)
// instead of throwing, for hot paths that expect missing files.
bool read_file_into(const std::filesystem::path& path, std::string& buffer, int& err,
                    std::size_t max_bytes = 1 << 20);

// For files a user names (config, rule and web-config files): reads only a regular file, and
// never blocks on a FIFO. Returns false with `error` saying why ("is a FIFO, not a regular file",
// "Permission denied", "Too many levels of symbolic links", ...).
bool read_regular_file_into(const std::filesystem::path& path, std::string& buffer,
                            std::string& error, std::size_t max_bytes = 1 << 20);

// The first line of a sysfs attribute, without the trailing newline.
std::string read_attribute(const std::filesystem::path& path);

}  // namespace hawatch
