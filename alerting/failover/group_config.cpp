#include "group_config.h"

#include <arpa/inet.h>

#include <algorithm>

namespace hawatch::alerting::failover {
namespace {

constexpr int kMaxGroups = 64;

bool valid_hostname(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.back() == '.' || name.front() == '.') return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

bool lower_equal(const std::string& a, const std::string& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool in_zone(const std::string& name, const std::string& zone) {
  if (lower_equal(name, zone)) return true;
  return name.size() > zone.size() + 1 && name[name.size() - zone.size() - 1] == '.' &&
         lower_equal(name.substr(name.size() - zone.size()), zone);
}

// Whether `value` is a valid datum of a record of `type`.
bool valid_value(const std::string& type, const std::string& value) {
  unsigned char buf[16];
  if (type == "A") return ::inet_pton(AF_INET, value.c_str(), buf) == 1;
  if (type == "AAAA") return ::inet_pton(AF_INET6, value.c_str(), buf) == 1;
  return valid_hostname(value);  // CNAME
}

// Where a missing key is reported: at the key when present (null), else at the group.
YAML::Mark mark_of(const YAML::Node& node, const YAML::Node& entry) {
  return node.IsDefined() ? node.Mark() : entry.Mark();
}

void read_record(MapReader& group, const YAML::Node& entry, GroupConfig& g,
                 const std::string& where) {
  const YAML::Node node = group.node("record");
  if (!node.IsDefined() || node.IsNull()) {
    group.context().error(mark_of(node, entry), where + ": \"record\" is required");
    return;
  }
  MapReader r(node, group.context(), where + ".record");
  if (!r.valid()) return;
  auto& ctx = group.context();
  const auto zone = r.string("zone");
  const auto name = r.string("name");
  if (!zone || !valid_hostname(*zone))
    ctx.error(zone ? r.node("zone") : node, where + ".record.zone must be a domain name");
  if (!name || !valid_hostname(*name))
    ctx.error(name ? r.node("name") : node, where + ".record.name must be a domain name");
  if (zone && name && valid_hostname(*zone) && valid_hostname(*name) && !in_zone(*name, *zone))
    ctx.error(r.node("name"),
              where + ".record.name \"" + *name + "\" is not in zone \"" + *zone + "\"");
  if (zone) g.record.zone = *zone;
  if (name) g.record.name = *name;
  if (auto type = r.choice("type", {"A", "AAAA", "CNAME"})) g.record.type = *type;
  if (auto ttl = r.integer("ttl", 1, 86400)) g.record.ttl = static_cast<std::uint32_t>(*ttl);
  r.finish();
}

void read_address(MapReader& group, const YAML::Node& entry, const std::string& key,
                  std::string& out, const std::string& type, const std::string& where) {
  auto value = group.string(key);
  if (!value) {
    group.context().error(mark_of(group.node(key), entry), where + ": \"" + key + "\" is required");
    return;
  }
  if (!valid_value(type, *value))
    group.context().error(group.node(key), where + "." + key + " \"" + *value +
                                               "\" is not a valid " + type + " record value");
  out = *value;
}

void read_health(MapReader& group, const YAML::Node& entry, GroupConfig& g,
                 const std::set<std::string>& probes, const std::string& where) {
  auto& ctx = group.context();
  const YAML::Node node = group.node("health");
  MapReader h(node, ctx, where + ".health");
  if (!h.valid()) return;
  const bool probe = h.has("probe");
  const bool alert = h.has("alert");
  if (probe == alert) {
    h.node("probe");
    h.node("alert");
    ctx.error(mark_of(node, entry),
              where + ".health needs exactly one of { probe: NAME } or { alert: ALERTNAME }");
  } else if (probe) {
    g.health = {HealthSource::Kind::probe, h.string("probe").value_or("")};
    if (!probes.contains(g.health.name))
      ctx.error(h.node("probe"), where + ".health.probe \"" + g.health.name +
                                     "\" is not a probe under collectors.probes");
  } else {
    g.health = {HealthSource::Kind::alert, h.string("alert").value_or("")};
    if (g.health.name.empty())
      ctx.error(h.node("alert"), where + ".health.alert must name an alert");
  }
  h.finish();
}

void read_failback(MapReader& group, GroupConfig& g, const std::string& where) {
  MapReader f(group.node("failback"), group.context(), where + ".failback");
  if (!f.valid()) return;
  if (auto mode = f.choice("mode", {"manual", "auto"}))
    g.failback_mode = *mode == "auto" ? FailbackMode::automatic : FailbackMode::manual;
  if (auto after = f.integer("after", 1, 100000)) g.failback_after = static_cast<int>(*after);
  if (auto hold = f.duration("hold")) g.failback_hold = *hold;
  f.finish();
}

void read_update(MapReader& group, const YAML::Node& entry, GroupConfig& g,
                 const UpdaterReader& read_updater, const std::string& where) {
  const YAML::Node node = group.node("update");
  if (!node.IsDefined() || node.IsNull()) {
    group.context().error(mark_of(node, entry),
                          where + ": \"update\" is required (rfc2136, powerdns or exec)");
    return;
  }
  if (read_updater) g.updater = read_updater(node, group.context(), where + ".update");
}

std::optional<GroupConfig> read_group(const YAML::Node& entry, ConfigContext& ctx,
                                      const std::string& where, const std::set<std::string>& probes,
                                      const UpdaterReader& read_updater) {
  const std::size_t errors_before = ctx.diagnostics().size();
  if (!entry.IsMap()) {
    ctx.error(entry, where + ": expected a group such as { name: app, record: ... }");
    return std::nullopt;
  }
  // Messages name the group once its name is known to be usable.
  const YAML::Node name = entry["name"];
  const std::string at = name && name.IsScalar() && valid_group_name(name.Scalar())
                             ? "failover." + name.Scalar()
                             : where;
  MapReader r(entry, ctx, at);
  GroupConfig g;
  g.name = r.string("name").value_or("");
  if (!valid_group_name(g.name))
    ctx.error(mark_of(r.node("name"), entry), where + ".name must be 1 to 64 of [A-Za-z0-9_.-]");
  read_record(r, entry, g, at);
  read_address(r, entry, "primary", g.primary, g.record.type, at);
  read_address(r, entry, "backup", g.backup, g.record.type, at);
  if (!g.primary.empty() && lower_equal(g.primary, g.backup))
    ctx.error(r.node("backup"), at + ": primary and backup must differ");
  read_health(r, entry, g, probes, at);
  if (auto n = r.integer("fail_after", 1, 100000)) g.fail_after = static_cast<int>(*n);
  read_failback(r, g, at);
  if (auto hold = r.duration("min_hold")) g.min_hold = *hold;
  if (auto dry = r.boolean("dry_run")) g.dry_run = *dry;
  read_update(r, entry, g, read_updater, at);
  r.finish();
  if (ctx.diagnostics().size() != errors_before) return std::nullopt;
  return g;
}

}  // namespace

bool valid_group_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

std::vector<GroupConfig> read_failover_config(const YAML::Node& section, ConfigContext& ctx,
                                              const std::set<std::string>& probes,
                                              const UpdaterReader& read_updater) {
  std::vector<GroupConfig> groups;
  if (!section.IsDefined() || section.IsNull()) return groups;
  if (!section.IsSequence()) {
    ctx.error(section, "\"failover\" must be a list of groups, got " + yaml_type_name(section));
    return groups;
  }
  if (section.size() > kMaxGroups) {
    ctx.error(section, "\"failover\" has more than " + std::to_string(kMaxGroups) + " groups");
    return groups;
  }
  std::set<std::string> names;
  std::set<std::string> records;
  for (std::size_t i = 0; i < section.size(); ++i) {
    const YAML::Node entry = section[i];
    auto g = read_group(entry, ctx, "failover[" + std::to_string(i) + "]", probes, read_updater);
    if (!g) continue;
    if (!names.insert(g->name).second) {
      ctx.error(entry["name"], "failover: duplicate group name \"" + g->name + "\"");
      continue;
    }
    // Two groups moving one record would undo each other's changes.
    if (!records.insert(g->record.name + " " + g->record.type).second) {
      ctx.error(entry["record"], "failover." + g->name + ": record " + g->record.name + " " +
                                     g->record.type + " is already moved by another group");
      continue;
    }
    groups.push_back(std::move(*g));
  }
  return groups;
}

std::set<std::string> probe_names(const YAML::Node& probes_section) {
  std::set<std::string> names;
  if (!probes_section.IsDefined() || !probes_section.IsSequence()) return names;
  for (const auto& entry : probes_section)
    if (entry.IsMap() && entry["name"] && entry["name"].IsScalar())
      names.insert(entry["name"].Scalar());
  return names;
}

}  // namespace hawatch::alerting::failover
