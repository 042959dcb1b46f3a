#include "collector_modules.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "collector.h"
#include "module_loader.h"

namespace hawatch {
namespace {

std::span<const ModuleCollector>& table() {
  static std::span<const ModuleCollector> instance;
  return instance;
}

}  // namespace

bool register_module_collectors(std::span<const ModuleCollector> t) {
  table() = t;
  return true;
}

std::span<const ModuleCollector> module_collectors() {
  return table();
}

const ModuleCollector* find_module_collector(std::string_view collector) {
  for (const auto& mc : table())
    if (mc.collector == collector) return &mc;
  return nullptr;
}

std::vector<std::string> known_collector_names() {
  std::vector<std::string> names;
  for (const auto* d : CollectorRegistry::all()) names.push_back(d->name);
  for (const auto& mc : table()) names.emplace_back(mc.collector);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

void load_collector_module(const ModuleCollector& mc) {
  if (CollectorRegistry::find(mc.collector)) return;
  load_module(mc.module);
  // A module from another build could load cleanly and still not provide what this one expects.
  if (!CollectorRegistry::find(mc.collector))
    throw std::runtime_error("module " + std::string(mc.module) + ".so in " +
                             module_directory().string() + " does not provide collector \"" +
                             std::string(mc.collector) + "\"");
}

}  // namespace hawatch
