#include "backup_verify.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace hawatch::backup {
namespace {

using Clock = std::chrono::steady_clock;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A temporary file that is removed when it goes out of scope.
class TempFile {
 public:
  explicit TempFile(const std::string& dir) {
    std::string tmpl = dir + "/hawatch-verify-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    fd_ = ::mkstemp(buf.data());
    if (fd_ >= 0) path_ = buf.data();
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

struct GzClose {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

// Decompresses `gz` into `out`; returns "" on success, else why not.
std::string gunzip(const std::string& gz, const TempFile& out, Clock::time_point deadline) {
  std::unique_ptr<gzFile_s, GzClose> in(gzopen(gz.c_str(), "rb"));
  if (!in) return "cannot open: " + std::string(std::strerror(errno));
  std::vector<char> buf(1 << 16);
  std::size_t total = 0;
  for (;;) {
    if (Clock::now() >= deadline) return "timed out decompressing";
    const int n = gzread(in.get(), buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int err = 0;
      const char* msg = gzerror(in.get(), &err);
      return std::string("gzip: ") + (msg ? msg : "read error");
    }
    if (n == 0) break;
    total += static_cast<std::size_t>(n);
    for (int off = 0; off < n;) {
      const ssize_t w = ::write(out.fd(), buf.data() + off, static_cast<std::size_t>(n - off));
      if (w < 0) return "writing the decompressed copy: " + std::string(std::strerror(errno));
      off += static_cast<int>(w);
    }
  }
  // gzread stops quietly at a truncated stream's end; gzclose_r would say so, but gzerror
  // after the final read reports it too.
  int err = 0;
  gzerror(in.get(), &err);
  if (err != Z_OK && err != Z_STREAM_END) return "gzip: truncated or corrupt stream";
  if (total == 0) return "decompresses to zero bytes";
  return {};
}

struct SqliteClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

// Path with any URI-special characters percent-encoded, for "file:" URIs.
std::string uri_path(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int stop_at_deadline(void* arg) {
  return Clock::now() >= *static_cast<const Clock::time_point*>(arg) ? 1 : 0;
}

VerifyResult quick_check(const std::string& path, Clock::time_point deadline) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {false, "cannot stat: " + std::string(std::strerror(errno))};
  if (st.st_size == 0) return {false, "empty file"};
  // immutable=1: a backup never changes under us, and SQLite must not create -wal/-shm/-journal
  // files or take locks next to it (the backup directory may be read-only).
  sqlite3* raw = nullptr;
  const std::string uri = "file:" + uri_path(path) + "?immutable=1";
  const int rc = sqlite3_open_v2(uri.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  std::unique_ptr<sqlite3, SqliteClose> db(raw);
  if (rc != SQLITE_OK) return {false, std::string("open: ") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  sqlite3_progress_handler(db.get(), 1000, &stop_at_deadline, &deadline);
  sqlite3_stmt* stmt_raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), "PRAGMA quick_check", -1, &stmt_raw, nullptr) != SQLITE_OK)
    return {false, std::string("quick_check: ") + sqlite3_errmsg(db.get())};
  std::unique_ptr<sqlite3_stmt, StmtFinalize> stmt(stmt_raw);
  std::string findings;
  int step = 0;
  while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    std::string line = text ? text : "";
    if (line == "ok" || findings.size() >= 300) continue;
    // One row may hold many newline-separated findings: keep the message one short line.
    std::replace(line.begin(), line.end(), '\n', ' ');
    findings += (findings.empty() ? "" : "; ") + line;
    if (findings.size() > 300) findings = findings.substr(0, 300) + " ...";
  }
  if (step == SQLITE_INTERRUPT) return {false, "timed out in quick_check"};
  if (step != SQLITE_DONE) return {false, std::string("quick_check: ") + sqlite3_errmsg(db.get())};
  if (!findings.empty()) return {false, "quick_check: " + findings};
  return {true, "ok"};
}

}  // namespace

VerifyResult verify_sqlite_backup(const std::string& path, const std::string& temp_dir,
                                  Clock::time_point deadline) {
  if (!ends_with(path, ".gz")) return quick_check(path, deadline);
  TempFile copy(temp_dir);
  if (copy.fd() < 0)
    return {false, "cannot create a temporary file in " + temp_dir + ": " + std::strerror(errno)};
  if (auto why = gunzip(path, copy, deadline); !why.empty()) return {false, why};
  return quick_check(copy.path(), deadline);
}

}  // namespace hawatch::backup
