#include "persist/record_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <boost/crc.hpp>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <stdexcept>

#include "core/file_io.h"

namespace hawatch::alerting {

namespace {

constexpr std::size_t kMaxLengthDigits = 8;  // kMaxRecordBytes has 7

std::uint32_t crc32_of(std::string_view data) {
  boost::crc_32_type crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

// Buffered sequential reads with the offset known, so errors can say where they are.
class Reader {
 public:
  Reader(int fd, const std::filesystem::path& path) : fd_(fd), path_(path) {}
  // The next byte, or -1 at the end of the file.
  int get() {
    if (pos_ == len_ && !fill()) return -1;
    ++offset_;
    return static_cast<unsigned char>(buffer_[pos_++]);
  }
  // Appends up to n bytes to `out`; fewer only at the end of the file.
  void read(std::size_t n, std::string& out) {
    while (n > 0) {
      if (pos_ == len_ && !fill()) return;
      const std::size_t take = std::min(n, len_ - pos_);
      out.append(buffer_.data() + pos_, take);
      pos_ += take;
      offset_ += take;
      n -= take;
    }
  }
  std::uint64_t offset() const { return offset_; }

 private:
  bool fill() {
    for (;;) {
      const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw IoError(path_, errno);
      pos_ = 0;
      len_ = static_cast<std::size_t>(n);
      return n > 0;
    }
  }

  int fd_;
  const std::filesystem::path& path_;
  std::array<char, 64 * 1024> buffer_{};
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t offset_ = 0;
};

// Why the record at the reader's position does not frame; empty when it does (then `payload`
// holds it). "end" problems are those a cut-short file shows.
struct FrameError {
  std::string what;
  bool at_end = false;      // the file ends inside the record: what a cut-short append leaves
  bool never_torn = false;  // no cut-short append writes this (a length above the limit)
};

std::optional<FrameError> read_number(Reader& in, int base, std::size_t max_digits,
                                      std::uint64_t& value) {
  std::string digits;
  for (;;) {
    const int c = in.get();
    if (c < 0) return FrameError{"cut short in its header", true};
    if (c == ' ') break;
    if (digits.size() == max_digits) return FrameError{"its header is not a length and checksum"};
    digits.push_back(static_cast<char>(c));
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
    return FrameError{"its header is not a length and checksum"};
  }
  return std::nullopt;
}

std::optional<FrameError> read_record(Reader& in, std::string& payload) {
  std::uint64_t length = 0, crc = 0;
  if (auto e = read_number(in, 10, kMaxLengthDigits, length)) return e;
  if (length > kMaxRecordBytes) {
    return FrameError{"its length " + std::to_string(length) + " exceeds the limit of " +
                          std::to_string(kMaxRecordBytes) + " bytes",
                      false, true};
  }
  if (auto e = read_number(in, 16, 8, crc)) return e;
  payload.clear();
  in.read(length, payload);
  if (payload.size() < length) return FrameError{"cut short in its payload", true};
  const int nl = in.get();
  if (nl < 0) return FrameError{"cut short before its newline", true};
  if (nl != '\n') return FrameError{"no newline after its payload"};
  if (crc32_of(payload) != crc) return FrameError{"its checksum does not match"};
  return std::nullopt;
}

// A crash leaves at most one partial line at the end: true when no newline follows `from` except
// as the file's last byte.
bool only_a_partial_line_left(int fd, std::uint64_t from, std::uint64_t file_size,
                              const std::filesystem::path& path) {
  std::array<char, 64 * 1024> buf{};
  for (std::uint64_t at = from; at < file_size;) {
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path, errno);
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[static_cast<std::size_t>(i)] == '\n' &&
          at + static_cast<std::uint64_t>(i) + 1 < file_size) {
        return false;
      }
    }
    at += static_cast<std::uint64_t>(n);
  }
  return true;
}

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

std::string frame_record(std::string_view payload) {
  if (payload.size() > kMaxRecordBytes) {
    throw std::length_error("record of " + std::to_string(payload.size()) +
                            " bytes exceeds the limit of " + std::to_string(kMaxRecordBytes));
  }
  if (payload.find('\n') != std::string_view::npos) {
    // Torn-tail detection counts lines: a payload must be one line.
    throw std::invalid_argument("record payload holds a newline");
  }
  std::string out = std::to_string(payload.size());
  out += ' ';
  out += hex8(crc32_of(payload));
  out += ' ';
  out += payload;
  out += '\n';
  return out;
}

RecordScan scan_records(const std::filesystem::path& path, std::string_view header,
                        const std::function<void(std::string_view payload)>& each,
                        std::uint64_t max_file_bytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) throw IoError(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw IoError(path, errno);
  const auto refuse = [&](const std::string& why) {
    return std::runtime_error(path.string() + ": " + why);
  };
  if (!S_ISREG(st.st_mode)) throw refuse("not a regular file");
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  if (file_size > max_file_bytes) {
    throw refuse("is " + std::to_string(file_size) + " bytes, more than the limit of " +
                 std::to_string(max_file_bytes));
  }
  Reader in(fd.get(), path);
  std::string first;
  in.read(header.size() + 1, first);
  if (first.size() <= header.size() || first.compare(0, header.size(), header) != 0 ||
      first.back() != '\n') {
    throw refuse("does not start with the line \"" + std::string(header) + "\"");
  }
  RecordScan scan;
  scan.valid_bytes = in.offset();
  std::string payload;
  while (scan.valid_bytes < file_size) {
    const auto error = read_record(in, payload);
    if (error) {
      const std::string where = "the record at byte " + std::to_string(scan.valid_bytes);
      if (!error->never_torn &&
          (error->at_end ||
           only_a_partial_line_left(fd.get(), scan.valid_bytes, file_size, path))) {
        scan.torn_tail = where + " is " + error->what + " (a write cut short; dropped)";
        break;
      }
      throw refuse(where + " is corrupt: " + error->what);
    }
    try {
      each(payload);
    } catch (const std::exception& e) {
      throw refuse("the record at byte " + std::to_string(scan.valid_bytes) + ": " + e.what());
    }
    scan.valid_bytes = in.offset();
    ++scan.records;
  }
  return scan;
}

RecordAppender::RecordAppender(std::filesystem::path path, std::uint64_t valid_bytes)
    : path_(std::move(path)), size_(valid_bytes) {
  fd_.emplace(::open(path_.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd_->get() < 0) throw IoError(path_, errno);
  if (::ftruncate(fd_->get(), static_cast<off_t>(size_)) != 0) throw IoError(path_, errno);
}

void RecordAppender::append(std::string_view framed) {
  std::string_view rest = framed;
  off_t at = static_cast<off_t>(size_);
  int err = 0;
  while (!rest.empty()) {
    const ssize_t n = ::pwrite(fd_->get(), rest.data(), rest.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
    at += n;
  }
  if (err == 0 && ::fdatasync(fd_->get()) != 0) err = errno;
  if (err != 0) {
    if (::ftruncate(fd_->get(), static_cast<off_t>(size_)) != 0) broken_ = true;
    throw IoError(path_, err);
  }
  size_ += framed.size();
}

}  // namespace hawatch::alerting
