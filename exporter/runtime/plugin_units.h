#pragma once
// The top-level `plugins:` section -> scheduled units the daemon runs alongside the collectors:
// "exec/<name>" per exec check, "plugin/<name>" per .so plugin, "textfile" for the directory.

#include <vector>

#include "core/config.h"
#include "core/scheduler.h"

namespace hawatch::plugins {

// Validates `config.plugins` (FILE:LINE:COL errors, all at once); throws ConfigError.
std::vector<ScheduledCollector> build_plugin_units(const Config& config, const Environment& env);

}  // namespace hawatch::plugins
