// include/hawatch/plugin.h must compile as C++ with every warning on (C++ plugins include it).
#include <hawatch/plugin.h>

static_assert(HAWATCH_PLUGIN_ABI_VERSION == 1u, "bump docs/plugins.md with the ABI version");
