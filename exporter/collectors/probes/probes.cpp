// probes: health checks of the app, the peer node, cameras and DNS. Each entry of
// `collectors.probes` is its own scheduled unit ("probes/<name>") with its own interval and
// timeout, so probes run concurrently on the worker pool and a slow one delays nothing else.

#include <map>
#include <set>

#include "core/entry_list.h"
#include "probe.h"

namespace hawatch::probe {
namespace {

using Factory = std::unique_ptr<Probe> (*)(const KindArgs&);
const std::map<std::string, Factory> kKinds{{"http", &make_http_probe},
                                            {"tcp", &make_tcp_probe},
                                            {"icmp", &make_icmp_probe},
                                            {"dns", &make_dns_probe},
                                            {"peer", &make_peer_probe}};

std::string kind_list() {
  std::string out;
  for (const auto& [kind, factory] : kKinds) out += (out.empty() ? "" : ", ") + kind;
  return out;
}

std::optional<CollectorUnit> read_probe(const YAML::Node& entry, const std::string& where,
                                        const CollectorArgs& args, std::set<std::string>& names) {
  MapReader r(entry, args.ctx, where);
  if (!entry.IsMap()) {
    if (r.valid()) args.ctx.error(entry, where + ": expected a probe such as { name: app, http: { url: ... } }");
    return std::nullopt;
  }
  const auto head = read_entry_head(r, entry, "probe", names);
  bool ok = head.has_value();
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : kKinds)
    if (r.has(kind)) kinds.push_back(kind);
  std::unique_ptr<Probe> probe;
  if (kinds.empty()) {
    args.ctx.error(entry, "\"" + where + "\" needs one probe kind: " + kind_list());
    ok = false;
  } else if (kinds.size() > 1) {
    args.ctx.error(r.node(kinds[1]), "\"" + where + "\" has two probe kinds (" + kinds[0] + " and " +
                                         kinds[1] + "); use one entry per probe");
    ok = false;
  } else {
    const YAML::Node section = r.node(kinds[0]);  // KindArgs holds a reference: keep it alive
    const KindArgs kind_args{section, args.ctx, where + "." + kinds[0], args.env};
    probe = kKinds.at(kinds[0])(kind_args);
  }
  for (const auto& [kind, factory] : kKinds) (void)r.node(kind);  // reported above, not as unknown
  r.finish();
  if (!ok || !probe) return std::nullopt;
  const std::string unit = "probes/" + head->name;
  return CollectorUnit{unit, std::make_unique<ProbeCollector>(head->name, std::move(probe)),
                       head->interval, head->timeout};
}

CollectorDescriptor probes_descriptor() {
  CollectorDescriptor d;
  d.name = "probes";
  // Nothing to probe unless the config lists probes; a present list turns the collector on.
  d.default_enablement = Enablement::automatic;
  d.source_exists = [](const Environment&) { return false; };
  // The HA guide's heartbeat: every 10 s.
  d.default_interval = std::chrono::seconds(10);
  d.default_timeout = std::chrono::seconds(5);
  d.create_units = [](const CollectorArgs& args) {
    return read_entry_list(args, "a list of probes, e.g. - { name: app, http: { url: ... } }",
                           [&](const YAML::Node& entry, const std::string& where, auto& names) {
                             return read_probe(entry, where, args, names);
                           });
  };
  return d;
}

}  // namespace
}  // namespace hawatch::probe

HAWATCH_REGISTER_COLLECTOR(probes, hawatch::probe::probes_descriptor)
