#include <algorithm>
#include <map>
#include <stdexcept>

#include "collector.h"

namespace hawatch {
namespace {
// Function-local so registration from static initialisers in other files is order-safe.
std::map<std::string, CollectorDescriptor, std::less<>>& registry() {
  static std::map<std::string, CollectorDescriptor, std::less<>> instance;
  return instance;
}
}  // namespace

bool CollectorRegistry::add(CollectorDescriptor descriptor) {
  auto name = descriptor.name;
  if (!registry().emplace(name, std::move(descriptor)).second)
    throw std::logic_error("collector registered twice: " + name);
  return true;
}

const CollectorDescriptor* CollectorRegistry::find(std::string_view name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<const CollectorDescriptor*> CollectorRegistry::all() {
  std::vector<const CollectorDescriptor*> out;
  for (const auto& [name, d] : registry()) out.push_back(&d);
  return out;
}

}  // namespace hawatch
