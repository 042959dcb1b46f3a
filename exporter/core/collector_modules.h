#pragma once
// Which collectors live in modules (module_loader.h) rather than in the executable, so that the
// daemon knows every collector name before it has loaded anything, and loads a module only when
// the config names one of its collectors or, for collectors enabled automatically, when the
// collector's source exists on this host.
//
// The collector's descriptor stays the authority once its module is loaded (options, defaults,
// source_exists); this table only says where to find it and how to ask cheaply whether to.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "environment.h"

namespace hawatch {

struct ModuleCollector {
  std::string_view collector;  // e.g. "postgres"
  std::string_view module;     // <module_directory()>/<module>.so registers the collector
  // Set for collectors enabled automatically: whether their source exists on this host, answered
  // without loading the module (collector_sources.h). Null: on only when the config asks for it.
  bool (*source_exists)(const Environment&) = nullptr;
};

std::span<const ModuleCollector> module_collectors();
const ModuleCollector* find_module_collector(std::string_view collector);

// Every collector this build has, built in or in a module, loaded or not; sorted.
std::vector<std::string> known_collector_names();

// Loads the module of `mc` unless its collector is registered already; throws std::runtime_error
// ("cannot load module FILE: reason") when the module cannot be loaded or does not provide it.
void load_collector_module(const ModuleCollector& mc);

}  // namespace hawatch
