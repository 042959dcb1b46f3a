#include "module_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

namespace hawatch {
namespace {

std::mutex& loaded_mutex() {
  static std::mutex m;
  return m;
}

std::set<std::string, std::less<>>& loaded() {
  static std::set<std::string, std::less<>> names;
  return names;
}

bool valid_module_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') return false;
  return true;
}

}  // namespace

std::filesystem::path module_directory() {
  if (const char* env = std::getenv("HAWATCH_MODULE_DIR"); env && *env) return env;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "/usr/lib/hawatch/modules";
  const auto installed = self.parent_path().parent_path() / "lib" / "hawatch" / "modules";
  if (std::filesystem::is_directory(installed, ec)) return installed;
  return self.parent_path() / "modules";
}

void load_module(std::string_view name) {
  // Module names come from hawatch's own tables, but a name is still never allowed to become a
  // path outside the module directory.
  if (!valid_module_name(name))
    throw std::runtime_error("invalid module name \"" + std::string(name) + "\"");
  std::lock_guard lock(loaded_mutex());
  if (loaded().contains(name)) return;
  const auto file = module_directory() / (std::string(name) + ".so");
  // RTLD_NOW: a module built against another hawatch fails here, with the missing symbol named,
  // rather than at its first call. RTLD_LOCAL: modules do not see each other's symbols.
  if (!dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL)) {
    const char* error = dlerror();
    std::string why = error ? error : "unknown dynamic loader error";
    // dlerror() usually starts with the file name again; the message names it once.
    if (why.starts_with(file.string() + ": ")) why.erase(0, file.string().size() + 2);
    throw std::runtime_error("cannot load module " + file.string() + ": " + why);
  }
  loaded().emplace(name);
}

bool module_loaded(std::string_view name) {
  std::lock_guard lock(loaded_mutex());
  return loaded().contains(name);
}

}  // namespace hawatch
