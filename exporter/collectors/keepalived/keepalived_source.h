#pragma once
// Whether keepalived is configured on this host, answered without loading the keepalived module
// (this file is built into the executable: SOURCE_CHECK in CMakeLists.txt).

#include "core/environment.h"

namespace hawatch {

// keepalived's config file exists (seen through --path.rootfs).
bool keepalived_source_exists(const Environment& env);

}  // namespace hawatch
