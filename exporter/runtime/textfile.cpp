#include "textfile.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "core/file_io.h"
#include "core/log.h"
#include "core/prom_text.h"
#include "core/utf8.h"
#include "prom_emit.h"

namespace hawatch::plugins {
namespace {

std::string series_key(const PromSample& s) {
  auto labels = s.labels;
  std::sort(labels.begin(), labels.end());
  std::string key = s.name;
  for (const auto& [k, v] : labels) key += '\x01' + k + '\x02' + v;
  return key;
}

// Why `text` (from `file`) cannot be served, or empty. `seen` holds series of files already taken.
std::string check_file(const PromText& text, const std::set<std::string>& seen) {
  // A writer that does not use rename() leaves a file without its final newline while writing:
  // its last line may be cut anywhere, so none of it is trusted.
  if (!text.ends_with_newline) return "no trailing newline (half-written file?)";
  if (!text.errors.empty())
    return "line " + std::to_string(text.errors.front().line) + ": " + text.errors.front().message;
  if (text.has_timestamps) return "client-side timestamps are not supported";
  for (const auto& fam : text.families)
    if (fam.name.starts_with(kReservedPrefix))
      return "line " + std::to_string(fam.samples.empty() ? 0 : fam.samples.front().line) + ": " +
             fam.name + ": the \"" + std::string(kReservedPrefix) +
             "\" prefix is reserved for hawatch's own metrics";
  for (const auto& fam : text.families)
    for (const auto& s : fam.samples)
      if (seen.count(series_key(s)))
        return "line " + std::to_string(s.line) + ": series " + s.name + " already given by another file";
  return {};
}

}  // namespace

void TextfileCollector::collect(const CollectContext&, MetricSink& sink,
                                std::vector<CollectProblem>& problems) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".prom") files.push_back(it->path());
  }
  bool error = false;
  if (ec) {
    problems.push_back({"textfile: cannot read directory " + directory_.string() + ": " + ec.message()});
    error = true;
  }
  std::sort(files.begin(), files.end());
  std::set<std::string> seen;
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    struct stat st {};
    std::string content;
    int err = 0;
    std::string why;
    if (!valid_utf8(name)) {
      // It would become a label value; replaced, two such names could collide.
      why = "file name is not valid UTF-8";
    } else if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      why = "not a regular file";
    } else if (static_cast<std::size_t>(st.st_size) > max_file_bytes_) {
      why = "larger than " + std::to_string(max_file_bytes_) + " bytes";
    } else if (!read_file_into(path.string(), content, err, max_file_bytes_)) {
      why = std::string("cannot read: ") + std::strerror(err);
    }
    PromText text;
    if (why.empty()) {
      text = parse_prometheus_text(content);
      why = check_file(text, seen);
    }
    if (!why.empty()) {
      error = true;
      problems.push_back({"textfile: " + path.string() + ": " + why});
      log::warn("textfile skipped", {{"file", path.string()}, {"err", why}});
    } else {
      for (const auto& fam : text.families)
        for (const auto& s : fam.samples) seen.insert(series_key(s));
      std::vector<std::string> type_problems;
      emit_families(text.families, sink, path.string(), type_problems);
      if (!type_problems.empty()) {
        error = true;
        log::warn("textfile series dropped", {{"file", path.string()},
                                              {"err", type_problems.front()},
                                              {"problems", std::to_string(type_problems.size())}});
      }
      for (auto& p : type_problems) problems.push_back({"textfile: " + p});
    }
    // The mtime is served even for a bad file: it tells how long the writer has been broken.
    if (st.st_mtime)
      sink.gauge("hawatch_textfile_mtime_seconds", "Unix mtime of a textfile directory file.",
                 static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9, {Label{"file", name}});
  }
  sink.gauge("hawatch_textfile_scrape_error", "1 if any textfile could not be read or parsed.",
             error ? 1 : 0);
}

}  // namespace hawatch::plugins
