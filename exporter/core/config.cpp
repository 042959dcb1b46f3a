#include "config.h"

#include <unistd.h>

#include <cstring>
#include <memory>
#include <set>

#include "collector_modules.h"
#include "file_io.h"

namespace hawatch {

namespace {
// Replaces `self` by a value built from `other` (see config.h: never Node::operator=).
template <typename T>
T& replace_value(T& self, T&& other) noexcept {
  if (&self != &other) {
    std::destroy_at(&self);
    std::construct_at(&self, std::move(other));
  }
  return self;
}
}  // namespace

CollectorConfig& CollectorConfig::operator=(CollectorConfig&& other) noexcept {
  return replace_value(*this, std::move(other));
}
CollectorConfig& CollectorConfig::operator=(const CollectorConfig& other) {
  CollectorConfig copy(other);
  return replace_value(*this, std::move(copy));
}
Config& Config::operator=(Config&& other) noexcept {
  return replace_value(*this, std::move(other));
}
Config& Config::operator=(const Config& other) {
  Config copy(other);
  return replace_value(*this, std::move(copy));
}
namespace {

const std::vector<std::string> kTopLevelKeys{"global",     "web",      "collectors", "plugins",
                                             "rule_files", "alerting", "failover"};

std::string default_node_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) == 0 && buf[0]) return buf;
  return "localhost";
}

void read_global(const YAML::Node& node, ConfigContext& ctx, Config& cfg) {
  MapReader global(node, ctx, "global");
  cfg.node_name = global.string("node_name").value_or(default_node_name());
  if (auto w = global.integer("collector_workers", 1, 64))
    cfg.workers = static_cast<std::size_t>(*w);
  if (auto d = global.duration("evaluation_interval")) {
    if (d->count() <= 0)
      ctx.error(global.node("evaluation_interval"),
                "\"global.evaluation_interval\" must be positive");
    else
      cfg.evaluation_interval = *d;
  }
  if (auto dir = global.string("state_directory")) {
    if (dir->empty() || dir->front() != '/')
      ctx.error(global.node("state_directory"),
                "\"global.state_directory\" must be an absolute path");
    else
      cfg.state_directory = *dir;
  }
  cfg.external_url = global.string("external_url").value_or("");
  global.finish();
}

void read_web(const YAML::Node& node, ConfigContext& ctx, Config& cfg) {
  MapReader web(node, ctx, "web");
  cfg.listen_address = web.string("listen_address").value_or(kDefaultListenAddress);
  if (auto path = web.string("telemetry_path")) {
    if (path->empty() || path->front() != '/')
      ctx.error(web.node("telemetry_path"), "\"web.telemetry_path\" must start with '/'");
    else
      cfg.telemetry_path = *path;
  }
  web.finish();
}

Enablement parse_enablement(const std::string& text) {
  if (text == "true") return Enablement::on;
  if (text == "false") return Enablement::off;
  return Enablement::automatic;
}

bool section_disabled(const YAML::Node& section) {
  if (!section.IsMap()) return false;
  // Iterated, not section["enabled"]: a missing key on a const node is an invalid node that throws.
  for (const auto& kv : section)
    if (kv.first.IsScalar() && kv.first.Scalar() == "enabled")
      return kv.second.IsScalar() && kv.second.Scalar() == "false";
  return false;
}

// A section naming a collector that lives in a module loads the module now, so that the
// collector's own factory validates its options (--check-config) and a reload that adds the
// section takes effect. A module that cannot be loaded is an error at the section.
void load_module_of_section(const ModuleCollector& mc, const YAML::Node& key,
                            const YAML::Node& section, ConfigContext& ctx, Config& cfg) {
  // An empty section means the same as none: the defaults, decided with the host (collector_set).
  if (!section.IsDefined() || section.IsNull()) return;
  if (section_disabled(section)) {
    cfg.unloaded_sections.emplace(std::string(mc.collector), section);
    return;
  }
  try {
    load_collector_module(mc);
  } catch (const std::exception& e) {
    ctx.error(key, "collectors." + std::string(mc.collector) + ": " + e.what());
  }
}

}  // namespace

// Splits the common scheduling keys off a collector section; the rest are the collector's own.
CollectorConfig read_collector_config(const CollectorDescriptor& d, const YAML::Node& section,
                                      ConfigContext& ctx) {
  const std::string where = "collectors." + d.name;
  CollectorConfig cfg;
  cfg.name = d.name;
  cfg.enablement = d.default_enablement;
  cfg.interval = d.default_interval;
  cfg.timeout = d.default_timeout;
  cfg.options = section;

  if (section.IsDefined() && !section.IsNull()) {
    // A section that is present turns an `auto`/off collector on unless it says otherwise.
    cfg.enablement = Enablement::on;
  }
  if (section.IsMap()) {
    std::vector<YAML::Node> common_keys;
    bool explicit_staleness = false;
    // yaml-cpp keeps both copies of a repeated key and this section is not read through MapReader
    // (lists are allowed too): report the repeat instead of letting the last copy win silently.
    std::set<std::string> seen;
    for (const auto& kv : section) {
      const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
      const YAML::Node& value = kv.second;
      if (!seen.insert(key).second) {
        ctx.error(kv.first, "duplicate key \"" + where + "." + key + "\"");
        continue;
      }
      std::string why;
      if (key == "enabled" || key == "interval" || key == "timeout" || key == "staleness")
        common_keys.push_back(kv.first);
      if (key == "enabled") {
        if (!value.IsScalar() ||
            (value.Scalar() != "true" && value.Scalar() != "false" && value.Scalar() != "auto"))
          ctx.error(value, "\"" + where + ".enabled\" must be true, false or auto");
        else
          cfg.enablement = parse_enablement(value.Scalar());
      } else if (key == "interval" || key == "timeout" || key == "staleness") {
        auto dur = value.IsScalar() ? parse_duration(value.Scalar(), &why) : std::nullopt;
        if (!dur || dur->count() <= 0) {
          ctx.error(value, "\"" + where + "." + key + "\": " +
                               (why.empty() ? "must be a positive duration such as 30s" : why));
          continue;
        }
        if (key == "interval") cfg.interval = *dur;
        if (key == "timeout") cfg.timeout = *dur;
        if (key == "staleness") {
          cfg.staleness = *dur;
          explicit_staleness = true;
        }
      }
    }
    // The collector's options are this same mapping without the common keys. Removing them in
    // place, rather than copying the rest into a new node, keeps the section's position: a factory
    // that rejects the section as a whole ("must be a list") must still say FILE:LINE:COL.
    // Nothing reads collectors.<name> from the parsed tree after this.
    YAML::Node options = section;
    for (const auto& key : common_keys) options.remove(key);
    // reset(), not `=`: cfg.options already refers to the section, and assigning would write the
    // null into the document and merge node memories (see config.h).
    cfg.options.reset(options.size() ? options : YAML::Node(YAML::NodeType::Null));
    if (!explicit_staleness) cfg.staleness = Duration{0};
  } else if (section.IsDefined() && !section.IsNull() && !section.IsSequence()) {
    ctx.error(section,
              "\"" + where + "\" must be a mapping or a list, got " + yaml_type_name(section));
  }
  if (cfg.timeout > cfg.interval) cfg.timeout = cfg.interval;
  // Two missed runs plus the timeout: one slow run never blanks a series, a dead collector does.
  if (cfg.staleness.count() == 0) cfg.staleness = 2 * cfg.interval + cfg.timeout;
  return cfg;
}

namespace {

void read_collectors(const YAML::Node& node, ConfigContext& ctx, Config& cfg) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap()) {
    ctx.error(node, "\"collectors\" must be a mapping of collector name to settings");
  }
  if (node.IsMap()) {
    // yaml-cpp keeps repeated keys and node[name] returns the first: a second section for the
    // same collector would otherwise be silently ignored.
    std::set<std::string> seen;
    for (const auto& kv : node) {
      const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
      if (!seen.insert(name).second)
        ctx.error(kv.first, "duplicate key \"collectors." + name + "\"");
      if (CollectorRegistry::find(name)) continue;
      if (const auto* mc = find_module_collector(name)) {
        load_module_of_section(*mc, kv.first, kv.second, ctx, cfg);
        continue;
      }
      std::string known;
      for (const auto& n : known_collector_names()) known += (known.empty() ? "" : ", ") + n;
      ctx.error(kv.first, "unknown collector \"" + name + "\" (known: " + known + ")");
    }
  }
  for (const auto* d : CollectorRegistry::all()) {
    // A missing key on a const node is a "zombie" that throws when copied: use Undefined instead.
    // Copy-constructed, never assigned: `=` into the Undefined node would merge its memory with
    // the document's on every collector of every parse (see config.h).
    const bool present = node.IsMap() && node[d->name].IsDefined();
    const YAML::Node section = present ? node[d->name] : YAML::Node(YAML::NodeType::Undefined);
    cfg.collectors.emplace(d->name, read_collector_config(*d, section, ctx));
  }
}

}  // namespace

Config parse_config(const std::string& text, const std::string& source) {
  ConfigContext ctx(source);
  YAML::Node root = parse_yaml(text, ctx);
  ctx.throw_if_errors();
  Config cfg;
  cfg.source = source;
  MapReader top(root, ctx, "");
  if (!top.valid()) ctx.throw_if_errors();
  read_global(top.node("global"), ctx, cfg);
  read_web(top.node("web"), ctx, cfg);
  read_collectors(top.node("collectors"), ctx, cfg);
  cfg.plugins = top.node("plugins");
  if (auto files = top.string_list("rule_files")) cfg.rule_files = std::move(*files);
  cfg.alerting = top.node("alerting");
  if (cfg.alerting.IsMap() && !cfg.alerting["route"])
    cfg.warnings.push_back(source + ":" + std::to_string(cfg.alerting.Mark().line + 1) + ":" +
                           std::to_string(cfg.alerting.Mark().column + 1) +
                           ": section \"alerting\" has no route; no alert is routed or sent");
  cfg.failover = top.node("failover");
  // "plugins" is validated and scheduled by the plugin runtime (runtime/plugin_units.h).
  // "alerting" and "failover" are read by the daemon (alerting/config, alerting/failover),
  // which reports their errors.
  top.finish();
  ctx.throw_if_errors();
  return cfg;
}

Config load_config_file(const std::string& path) {
  // read(2), not std::ifstream: an ifstream "opens" a directory and reads it as an empty file,
  // so a mistyped --config.file=/etc/hawatch/ would silently run with every default.
  std::string text;
  std::string why;
  if (!read_regular_file_into(path, text, why)) {
    ConfigContext ctx(path);
    ctx.error(YAML::Mark::null_mark(), "cannot read config file: " + why);
    ctx.throw_if_errors();
  }
  return parse_config(text, path);
}

const std::string& embedded_default_config() {
  // Node health is always on; everything else is `auto`: on where its source exists on this host.
  static const std::string text = R"(# hawatch embedded default configuration
global: {}
web:
  listen_address: ":9847"
collectors:
  node:
    interval: 15s
)";
  return text;
}

}  // namespace hawatch
