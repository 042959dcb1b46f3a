#pragma once
// Durable small files for the alerting state (silences, notification log, spool records): a
// crash or power cut leaves either the old content or the new, never a torn file.

#include <filesystem>
#include <string_view>

namespace hawatch::alerting {

// Writes `data` to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs
// the directory. Throws hawatch::IoError naming the path and the OS error (ENOSPC included); the
// temporary file is removed on failure.
void write_file_atomically(const std::filesystem::path& path, std::string_view data);

// fsync() of a directory, so that a rename or unlink in it survives a crash. Throws IoError.
void fsync_directory(const std::filesystem::path& dir);

}  // namespace hawatch::alerting
