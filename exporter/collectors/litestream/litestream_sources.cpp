#include "litestream_sources.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/file_io.h"
#include "core/unique_fd.h"
#include "core/url_redact.h"

namespace hawatch::litestream {
namespace {

constexpr std::size_t kMaxMetricsBytes = 4 << 20;  // litestream's page is a few kB per database

double mtime_of(const struct stat& st) {
  return static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9;
}

}  // namespace

LocalDb read_local_db(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) throw IoError(path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw IoError(path, errno);
  if (!S_ISREG(st.st_mode)) throw IoError(path, "not a regular file");
  // A zero-length file is an empty SQLite database; anything else starts with the magic string.
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL, as in the header
  char header[sizeof kMagic] = {};
  const ssize_t got = ::pread(fd.get(), header, sizeof header, 0);
  if (got < 0) throw IoError(path, errno);
  if (got > 0 && (got < static_cast<ssize_t>(sizeof header) ||
                  std::memcmp(header, kMagic, sizeof header) != 0))
    throw IoError(path, "not an SQLite database (bad header)");
  LocalDb db;
  db.db_bytes = static_cast<std::uint64_t>(st.st_size);
  db.last_write_seconds = mtime_of(st);
  struct stat wal {};
  const std::string wal_path = path + "-wal";
  if (::stat(wal_path.c_str(), &wal) == 0) {
    db.wal_bytes = static_cast<std::uint64_t>(wal.st_size);
    db.last_write_seconds = mtime_of(wal);
  } else if (errno != ENOENT) {
    throw IoError(wal_path, errno);
  }
  return db;
}

namespace {

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() + n > kMaxMetricsBytes) return 0;  // aborts with CURLE_WRITE_ERROR
  body->append(data, n);
  return n;
}

}  // namespace

std::string fetch_metrics(const std::string& url, const net::TlsOptions& tls,
                          std::chrono::steady_clock::time_point deadline) {
  auto curl = net::make_curl();
  CURL* c = curl.get();
  std::string body;
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, net::curl_timeout_ms(deadline));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, net::curl_timeout_ms(deadline));
  net::apply_tls(c, tls);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_WRITE_ERROR)
    throw std::runtime_error(redact_urls(url) + ": answer larger than " +
                             std::to_string(kMaxMetricsBytes) + " bytes");
  if (rc != CURLE_OK)
    throw std::runtime_error(redact_urls(url) + ": " + net::classify_curl_error(rc, error) + ": " +
                             (error[0] ? error : curl_easy_strerror(rc)));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200)
    throw std::runtime_error(redact_urls(url) + ": HTTP status " + std::to_string(status));
  return body;
}

}  // namespace hawatch::litestream
