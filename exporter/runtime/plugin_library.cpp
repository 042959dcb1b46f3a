#include "plugin_library.h"

#include <dlfcn.h>

#include <array>

namespace hawatch::plugins {

PluginLibrary::PluginLibrary(const std::string& file, const PluginSettings& settings) : file_(file) {
  // RTLD_LOCAL: two plugins may define the same helper symbols without clashing.
  handle_ = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) {
    const char* why = ::dlerror();
    throw PluginLoadError(file + ": cannot load: " + (why ? why : "unknown dlopen error"));
  }
  auto closer = [this] {
    ::dlclose(handle_);
    handle_ = nullptr;
  };
  ::dlerror();
  void* sym = ::dlsym(handle_, HAWATCH_PLUGIN_ENTRY_SYMBOL);
  if (!sym) {
    closer();
    throw PluginLoadError(file + ": missing symbol " HAWATCH_PLUGIN_ENTRY_SYMBOL
                                 " (not a hawatch plugin?)");
  }
  auto entry = reinterpret_cast<hawatch_plugin_entry_fn>(sym);
  plugin_ = entry();
  if (!plugin_) {
    closer();
    throw PluginLoadError(file + ": " HAWATCH_PLUGIN_ENTRY_SYMBOL "() returned NULL");
  }
  if (plugin_->abi_version != HAWATCH_PLUGIN_ABI_VERSION) {
    const auto got = plugin_->abi_version;
    closer();
    throw PluginLoadError(file + ": plugin ABI version " + std::to_string(got) +
                          ", this hawatch supports version " +
                          std::to_string(HAWATCH_PLUGIN_ABI_VERSION) + "; rebuild it against this hawatch/plugin.h");
  }
  if (!plugin_->collect) {
    closer();
    throw PluginLoadError(file + ": plugin has no collect callback");
  }
  name_ = plugin_->name ? plugin_->name : "";
  if (plugin_->init) {
    std::vector<hawatch_config_entry> entries;
    for (const auto& [k, v] : settings.entries) entries.push_back({k.c_str(), v.c_str()});
    const hawatch_plugin_config config{entries.data(), entries.size(), settings.rootfs.c_str(),
                                       settings.node_name.c_str()};
    std::array<char, 512> error{};
    const int rc = plugin_->init(&config, &state_, error.data(), error.size());
    if (rc != 0) {
      error.back() = '\0';
      closer();
      throw PluginLoadError(file + ": init failed (" + std::to_string(rc) + ")" +
                            (error[0] ? std::string(": ") + error.data() : std::string()));
    }
  }
}

PluginLibrary::~PluginLibrary() {
  if (plugin_ && plugin_->shutdown) plugin_->shutdown(state_);
  if (handle_) ::dlclose(handle_);
}

PluginRun PluginLibrary::collect(double timeout_seconds) {
  RecordingSink sink;
  sink.run().rc = plugin_->collect(state_, RecordingSink::api(), sink.handle(), timeout_seconds);
  return std::move(sink.run());
}

}  // namespace hawatch::plugins
