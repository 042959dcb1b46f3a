#pragma once
// A group's state across restarts: one small JSON file per group in global.state_directory,
// written atomically (persist/atomic_file.h), so a restart in the middle of a failover neither
// flips back nor forgets when the last change was (the hold times count from it).

#include <filesystem>
#include <optional>
#include <string>

#include "controller.h"

namespace hawatch::alerting::failover {

std::filesystem::path state_file_path(const std::filesystem::path& state_directory,
                                      const std::string& group);

void write_state_file(const std::filesystem::path& path, const std::string& group,
                      const PersistedState& state);

// nullopt when the file is absent; a damaged file is reported in `problem` and ignored (the
// served record is the truth anyway).
std::optional<PersistedState> read_state_file(const std::filesystem::path& path,
                                              std::string& problem);

}  // namespace hawatch::alerting::failover
