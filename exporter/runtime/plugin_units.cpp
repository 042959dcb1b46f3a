#include "plugin_units.h"

#include <set>

#include "core/entry_list.h"
#include "exec_check.h"
#include "so_plugin.h"
#include "textfile.h"

namespace hawatch::plugins {
namespace {

constexpr Duration kDefaultExecInterval = std::chrono::seconds(30);
constexpr Duration kDefaultExecTimeout = std::chrono::seconds(10);
constexpr Duration kTextfileInterval = std::chrono::seconds(15);
constexpr Duration kTextfileTimeout = std::chrono::seconds(5);

ScheduledCollector unit(std::string name, std::shared_ptr<Collector> c, Duration interval, Duration timeout) {
  return ScheduledCollector{std::move(name), std::move(c), interval, timeout, 2 * interval + timeout};
}

// A plugin's config becomes dotted settings. parse_yaml bounds the document already; this bounds
// what one plugin receives, so a config cannot hand a plugin a million settings.
constexpr std::size_t kMaxPluginSettings = 10000;
constexpr std::size_t kMaxPluginConfigDepth = 16;

// Returns false (after reporting) when the config is beyond the bounds; `out` is then partial.
bool flatten(const YAML::Node& node, const std::string& prefix, PluginSettings& out,
             ConfigContext& ctx, const std::string& where, std::size_t depth = 0) {
  if (depth > kMaxPluginConfigDepth) {
    ctx.error(node, "\"" + where + "\" is nested deeper than " +
                        std::to_string(kMaxPluginConfigDepth) + " levels");
    return false;
  }
  if (node.IsScalar()) {
    if (out.entries.size() >= kMaxPluginSettings) {
      ctx.error(node, "\"" + where + "\" has more than " + std::to_string(kMaxPluginSettings) +
                          " settings");
      return false;
    }
    out.entries.emplace_back(prefix, node.Scalar());
  } else if (node.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!seen.insert(key).second) ctx.error(kv.first, "duplicate key \"" + where + "." + key + "\"");
      if (!flatten(kv.second, prefix.empty() ? key : prefix + "." + key, out, ctx, where,
                   depth + 1))
        return false;
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i)
      if (!flatten(node[i], prefix.empty() ? std::to_string(i) : prefix + "." + std::to_string(i),
                   out, ctx, where, depth + 1))
        return false;
  }
  return true;
}

struct Common {
  std::optional<std::string> name;
  std::optional<Duration> interval, timeout;
};

// name/interval/timeout, shared by exec and load entries.
Common read_common(MapReader& r, const YAML::Node& entry, std::set<std::string>& names) {
  Common c;
  if (auto head = read_entry_head(r, entry, "plugin", names)) {
    c.name = std::move(head->name);
    c.interval = head->interval;
    c.timeout = head->timeout;
  }
  return c;
}

std::optional<ScheduledCollector> read_exec(const YAML::Node& entry, const std::string& where, ConfigContext& ctx,
                                            const Environment& env, std::set<std::string>& names) {
  MapReader r(entry, ctx, where);
  if (!r.valid()) return std::nullopt;
  Common c = read_common(r, entry, names);
  auto command = r.string_list("command");
  bool ok = c.name.has_value();
  if (!command) {
    if (!r.node("command").IsDefined()) ctx.error(entry, "\"" + where + ".command\" is required (a list: [program, args...])");
    ok = false;
  } else if (command->empty() || command->front().empty() || command->front().front() != '/') {
    // argv only and no PATH search: the program is exactly the file the admin named.
    ctx.error(r.node("command"), "\"" + where + ".command\" must start with an absolute program path");
    ok = false;
  }
  const auto format = r.choice("format", {"nagios", "prometheus"});
  r.finish();
  if (!ok) return std::nullopt;
  ExecCheckSpec spec;
  spec.name = *c.name;
  spec.command = *command;
  spec.format = format.value_or("nagios") == "prometheus" ? ExecFormat::prometheus : ExecFormat::nagios;
  spec.interval = c.interval.value_or(kDefaultExecInterval);
  spec.timeout = std::min(c.timeout.value_or(kDefaultExecTimeout), spec.interval);
  spec.environment = exec_environment(spec.name, spec.timeout, env);
  spec.environment.push_back("HAWATCH_INTERVAL_SECONDS=" +
                             std::to_string(std::chrono::duration<double>(spec.interval).count()));
  const auto interval = spec.interval, timeout = spec.timeout;
  std::string unit_name = "exec/" + spec.name;  // before `spec` is moved from
  return unit(std::move(unit_name), std::make_shared<ExecCheck>(std::move(spec)), interval, timeout);
}

std::optional<ScheduledCollector> read_load(const YAML::Node& entry, const std::string& where, ConfigContext& ctx,
                                            const Environment& env, const std::optional<std::string>& directory,
                                            std::set<std::string>& names) {
  MapReader r(entry, ctx, where);
  if (!r.valid()) return std::nullopt;
  Common c = read_common(r, entry, names);
  auto file = r.string("file");
  const auto in_process = r.boolean("in_process");
  const YAML::Node config = r.node("config");
  bool ok = c.name.has_value();
  if (!file || file->empty()) {
    if (!r.node("file").IsDefined()) ctx.error(entry, "\"" + where + ".file\" is required");
    ok = false;
  } else if (file->front() != '/') {
    if (!directory) {
      ctx.error(r.node("file"), "\"" + where + ".file\" is relative but \"plugins.directory\" is not set");
      ok = false;
    } else {
      file = *directory + "/" + *file;
    }
  }
  PluginSettings settings;
  if (config.IsDefined() && !config.IsNull() && !config.IsMap()) {
    ctx.error(config, "\"" + where + ".config\" must be a mapping");
    ok = false;
  } else {
    ok = flatten(config, "", settings, ctx, where + ".config") && ok;
  }
  r.finish();
  if (!ok) return std::nullopt;
  settings.rootfs = env.rootfs.string();
  settings.node_name = env.node_name;
  SoPluginSpec spec{*c.name, *file, std::move(settings), c.interval.value_or(kDefaultExecInterval), {}};
  const Duration interval = spec.interval;
  const Duration timeout = std::min(c.timeout.value_or(kDefaultExecTimeout), interval);
  std::shared_ptr<Collector> collector;
  if (in_process.value_or(false)) {
    collector = std::make_shared<InProcessPlugin>(std::move(spec));
  } else {
    spec.host_path = default_plugin_host_path();
    collector = std::make_shared<IsolatedPlugin>(std::move(spec));
  }
  return unit("plugin/" + *c.name, std::move(collector), interval, timeout);
}

template <typename Fn>
void for_each_entry(const YAML::Node& list, const std::string& where, ConfigContext& ctx, Fn fn) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    ctx.error(list, "\"" + where + "\" must be a list");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) fn(list[i], where + "[" + std::to_string(i) + "]");
}

}  // namespace

std::vector<ScheduledCollector> build_plugin_units(const Config& config, const Environment& env) {
  std::vector<ScheduledCollector> out;
  const YAML::Node& section = config.plugins;
  if (!section.IsDefined() || section.IsNull()) return out;
  ConfigContext ctx(config.source);
  MapReader r(section, ctx, "plugins");
  if (!r.valid()) {
    ctx.throw_if_errors();
    return out;
  }
  auto directory = r.string("directory");
  if (directory && (directory->empty() || directory->front() != '/')) {
    ctx.error(r.node("directory"), "\"plugins.directory\" must be an absolute path");
    directory.reset();
  }
  std::set<std::string> names;
  for_each_entry(r.node("exec"), "plugins.exec", ctx, [&](const YAML::Node& e, const std::string& where) {
    if (auto u = read_exec(e, where, ctx, env, names)) out.push_back(std::move(*u));
  });
  for_each_entry(r.node("load"), "plugins.load", ctx, [&](const YAML::Node& e, const std::string& where) {
    if (auto u = read_load(e, where, ctx, env, directory, names)) out.push_back(std::move(*u));
  });
  if (auto dir = r.string("textfile_directory")) {
    if (dir->empty() || dir->front() != '/')
      ctx.error(r.node("textfile_directory"), "\"plugins.textfile_directory\" must be an absolute path");
    else
      out.push_back(unit("textfile", std::make_shared<TextfileCollector>(*dir), kTextfileInterval, kTextfileTimeout));
  }
  r.finish();
  ctx.throw_if_errors();
  return out;
}

}  // namespace hawatch::plugins
