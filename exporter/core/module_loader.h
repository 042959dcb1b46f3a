#pragma once
// Optional parts of hawatch that pull in large libraries (libpq, libmariadb, libcurl, sd-bus,
// OpenSSL, ...) are built as modules and loaded only when the config uses them, so a node that
// watches little maps little: every shared library mapped costs a Raspberry Pi resident pages
// (relocated data, symbol tables) whether or not its code ever runs.
//
// A module is <name>.so in module_directory(). Its static initialisers register what it provides
// (e.g. HAWATCH_REGISTER_COLLECTOR) into registries that live in the hawatch executable, which
// exports the hawatch:: symbols modules link against. Modules are never unloaded.
//
// Which collector lives in which module, and when it is loaded: collector_modules.h.

#include <filesystem>
#include <string_view>

namespace hawatch {

// $HAWATCH_MODULE_DIR when set; else <executable dir>/../lib/hawatch/modules when it exists (the
// installed layout); else <executable dir>/modules (the build tree).
std::filesystem::path module_directory();

// Loads module `name` once per process (later calls return at once). Thread-safe. Throws
// std::runtime_error naming the module file and the dynamic loader's reason when it cannot be
// loaded (missing file, missing library, unresolved symbol from a mismatched build).
void load_module(std::string_view name);

bool module_loaded(std::string_view name);

}  // namespace hawatch
