#include "backup_files.h"

#include <glob.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace hawatch::backup {

BackupSet summarise(const std::vector<BackupFile>& files) {
  BackupSet set;
  for (const auto& f : files) {
    ++set.count;
    set.total_bytes += f.size_bytes;
    if (!set.newest || f.mtime_seconds > set.newest->mtime_seconds ||
        (f.mtime_seconds == set.newest->mtime_seconds && f.path > set.newest->path))
      set.newest = f;
  }
  return set;
}

namespace {
struct GlobFree {
  void operator()(glob_t* g) const { globfree(g); }
};

// glob(3)'s error callback takes no user data: the first real error of this thread's current
// glob() call goes here. A directory that does not exist (yet) is not an error: no backups.
thread_local std::string t_glob_error;

int glob_error(const char* path, int err) {
  if (err != ENOENT && err != ENOTDIR && t_glob_error.empty())
    t_glob_error = std::string(path) + ": " + std::strerror(err);
  return 0;  // keep going; reported after glob() returns
}
}  // namespace

std::vector<BackupFile> find_backups(const std::string& pattern) {
  glob_t g{};
  t_glob_error.clear();
  const int rc = ::glob(pattern.c_str(), GLOB_NOSORT, &glob_error, &g);
  std::unique_ptr<glob_t, GlobFree> guard(&g);
  // An unreadable backup directory must not read as "no backups" (or as fewer of them).
  if (!t_glob_error.empty()) throw std::runtime_error("glob " + pattern + ": " + t_glob_error);
  if (rc == GLOB_NOMATCH) return {};
  if (rc == GLOB_NOSPACE) throw std::runtime_error("glob " + pattern + ": out of memory");
  if (rc != 0) throw std::runtime_error("glob " + pattern + ": read error");
  std::vector<BackupFile> out;
  for (std::size_t i = 0; i < g.gl_pathc; ++i) {
    struct stat st {};
    if (::stat(g.gl_pathv[i], &st) != 0) {
      if (errno == ENOENT) continue;  // removed by retention between glob and stat
      throw std::runtime_error(std::string("stat ") + g.gl_pathv[i] + ": " + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) continue;
    out.push_back({g.gl_pathv[i],
                   static_cast<double>(st.st_mtim.tv_sec) + static_cast<double>(st.st_mtim.tv_nsec) / 1e9,
                   static_cast<std::uint64_t>(st.st_size)});
  }
  return out;
}

}  // namespace hawatch::backup
