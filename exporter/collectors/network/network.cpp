// network: interface state, default routes and (optionally) whether the gateways and other
// peers answer ICMP echo — so that "eth0 down, running on wlan0" is visible before the last
// path goes.

#include <arpa/inet.h>
#include <net/if.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>

#include "core/collector.h"
#include "core/file_io.h"
#include "core/parse.h"
#include "collectors/shared/icmp_echo.h"
#include "network_links.h"
#include "network_routes.h"

namespace hawatch {
namespace {

using network::Route;

struct NetworkOptions {
  std::optional<std::regex> include;
  std::regex exclude{"lo"};
  bool check_gateways = false;
  std::vector<std::string> targets;
  std::chrono::milliseconds ping_timeout{1000};
};

// What one gateway check sends to: a link-local IPv6 gateway only means something together with
// its interface, so its label is the scoped form "fe80::1%eth0".
struct EchoTarget {
  std::string label;
  std::string host;
  std::string interface;  // for link-local scope; "" for configured targets
};

class NetworkCollector final : public Collector {
 public:
  NetworkCollector(const Environment& env, NetworkOptions options)
      : env_(env), options_(std::move(options)) {}

  void collect(const CollectContext& ctx, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    links(sink, problems);
    std::vector<Route> defaults;
    routes("route", "ipv4", network::parse_ipv4_routes, defaults, sink, problems);
    routes("ipv6_route", "ipv6", network::parse_ipv6_routes, defaults, sink, problems);
    if (options_.check_gateways || !options_.targets.empty()) reachability(ctx, defaults, sink, problems);
  }

 private:
  bool selected(const std::string& interface) const {
    if (options_.include && !std::regex_match(interface, *options_.include)) return false;
    return !std::regex_match(interface, options_.exclude);
  }

  void links(MetricSink& sink, std::vector<CollectProblem>& problems) {
    std::vector<std::string> found;
    const auto all = network::read_links(env_, found);
    for (auto& p : found) problems.push_back({std::move(p)});
    for (const auto& link : all) {
      if (!selected(link.name)) continue;
      const Labels l{{"interface", link.name}};
      sink.gauge("hawatch_network_interface_up",
                 "Whether the interface is operationally up (operstate up, or unknown with carrier).",
                 network::link_is_up(link) ? 1 : 0, l);
      sink.gauge("hawatch_network_interface_carrier", "Whether the interface has carrier.",
                 link.carrier.value_or(false) ? 1 : 0, l);
    }
  }

  template <typename Parse>
  void routes(const char* file, const char* family, Parse&& parse, std::vector<Route>& defaults,
              MetricSink& sink, std::vector<CollectProblem>& problems) {
    const auto path = env_.proc(std::string("net/") + file);
    std::vector<Route> found;
    try {
      found = parse(read_file(path, 4 << 20), path.string());
    } catch (const IoError& e) {
      // No ipv6_route: IPv6 is disabled on this host, which is not a failure.
      if (!(e.not_found() && std::string(family) == "ipv6")) problems.push_back({e.what()});
      return;
    } catch (const ParseError& e) {
      problems.push_back({e.what()});
      return;
    }
    // One series per (interface, gateway): ipv6_route lists every table, so the same default
    // may appear twice; the lowest metric is the one the kernel prefers.
    std::map<std::pair<std::string, std::string>, std::uint32_t> best;
    for (const auto& r : found) {
      if (!network::is_default_route(r) || !selected(r.interface)) continue;
      const auto key = std::make_pair(r.interface, r.gateway);
      const auto it = best.find(key);
      if (it == best.end() || r.metric < it->second) best[key] = r.metric;
    }
    for (const auto& [key, metric] : best) {
      const Labels l{{"gateway", key.second}, {"interface", key.first}};
      sink.gauge("hawatch_network_default_route",
                 "A default route via this gateway and interface (gateway \"\" when on-link).", 1, l);
      sink.gauge("hawatch_network_default_route_metric", "Metric of the default route (lower wins).",
                 metric, l);
      const char* any = std::string_view(family) == "ipv4" ? "0.0.0.0" : "::";
      defaults.push_back(Route{key.first, any, 0, key.second, metric, 0});
    }
    sink.gauge("hawatch_network_default_routes", "Number of default routes, per address family.",
               static_cast<double>(best.size()), {{"family", family}});
  }

  std::vector<EchoTarget> echo_targets(const std::vector<Route>& defaults) const {
    std::vector<EchoTarget> out;
    const auto add = [&](EchoTarget t) {
      if (std::none_of(out.begin(), out.end(), [&](const EchoTarget& o) { return o.label == t.label; }))
        out.push_back(std::move(t));
    };
    if (options_.check_gateways) {
      for (const auto& r : defaults) {
        if (r.gateway.empty()) continue;  // on-link default: nothing to ping
        const bool link_local = r.gateway.rfind("fe80:", 0) == 0;
        add({link_local ? r.gateway + "%" + r.interface : r.gateway, r.gateway, link_local ? r.interface : ""});
      }
    }
    for (const auto& t : options_.targets) add({t, t, ""});
    return out;
  }

  void reachability(const CollectContext& ctx, const std::vector<Route>& defaults, MetricSink& sink,
                    std::vector<CollectProblem>& problems) {
    const auto targets = echo_targets(defaults);
    // Leave the scheduler a moment so that a silent gateway reads as 0, not as a timed-out run.
    const auto deadline = std::min(ctx.deadline - std::chrono::milliseconds(50),
                                   std::chrono::steady_clock::now() + options_.ping_timeout);
    std::vector<net::ResolvedAddress> addresses;
    std::vector<std::size_t> resolved;  // index into targets of each address
    for (std::size_t i = 0; i < targets.size(); ++i) {
      try {
        addresses.push_back(address_of(targets[i], deadline));
        resolved.push_back(i);
      } catch (const net::ResolveError&) {
        // An unresolvable target is unreachable (reads 0), not a local failure.
      }
    }
    std::vector<net::EchoResult> results(targets.size());
    try {
      const auto echoes = net::icmp_echo_all(addresses, ++sequence_, deadline, env_);
      for (std::size_t k = 0; k < echoes.size(); ++k) results[resolved[k]] = echoes[k];
    } catch (const std::exception& e) {
      problems.push_back({std::string("gateway checks: ") + e.what()});
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const auto& r = results[i];
      if (r.status == net::EchoResult::Status::error)
        problems.push_back({"gateway check " + targets[i].label + ": " + r.detail});
      const Labels l{{"gateway", targets[i].label}};
      sink.gauge("hawatch_network_gateway_reachable", "Whether the gateway or target answered an ICMP echo.",
                 r.status == net::EchoResult::Status::reply ? 1 : 0, l);
      sink.gauge("hawatch_network_gateway_check_duration_seconds",
                 "How long the last ICMP echo took (round trip, or until it gave up).", r.elapsed.count(), l);
    }
  }

  static net::ResolvedAddress address_of(const EchoTarget& target,
                                           std::chrono::steady_clock::time_point deadline) {
    auto address = net::resolve_host(target.host, AF_UNSPEC, deadline);
    if (!target.interface.empty() && address.family == AF_INET6) {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&address.addr);
      sin6->sin6_scope_id = ::if_nametoindex(target.interface.c_str());
    }
    return address;
  }

  Environment env_;
  NetworkOptions options_;
  std::uint16_t sequence_ = 0;
};

// A regex option; an invalid one is reported at its position.
std::optional<std::regex> regex_option(MapReader& opts, const CollectorArgs& args, const std::string& key) {
  const auto value = opts.string(key);
  if (!value) return std::nullopt;
  try {
    return std::regex(*value, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    args.ctx.error(opts.node(key), "\"" + args.where + "." + key + "\": invalid regular expression \"" +
                                       *value + "\": " + e.what());
    return std::nullopt;
  }
}

CollectorDescriptor network_descriptor() {
  CollectorDescriptor d;
  d.name = "network";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(10);
  d.source_exists = [](const Environment& env) {
    std::error_code ec;
    return std::filesystem::exists(env.proc("net/route"), ec);
  };
  d.create = [](const CollectorArgs& args) -> std::unique_ptr<Collector> {
    MapReader opts(args.options, args.ctx, args.where);
    NetworkOptions o;
    o.include = regex_option(opts, args, "interface_include");
    if (auto exclude = regex_option(opts, args, "interface_exclude")) o.exclude = std::move(*exclude);
    o.check_gateways = opts.boolean("check_gateways").value_or(false);
    o.targets = opts.string_list("targets").value_or(std::vector<std::string>{});
    if (const auto t = opts.duration("ping_timeout"))
      o.ping_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*t);
    opts.finish();
    for (const auto& entry : opts.node("targets")) {
      if (!entry.IsScalar()) continue;  // already reported by string_list()
      const auto& t = entry.Scalar();
      if (t.empty() || (t.find_first_of(" /:") != std::string::npos && !net::is_ip_literal(t)))
        args.ctx.error(entry, "\"" + args.where + ".targets\": bad host \"" + t + "\"");
    }
    if (o.ping_timeout.count() <= 0)
      args.ctx.error(opts.node("ping_timeout"), "\"" + args.where + ".ping_timeout\" must be positive");
    return std::make_unique<NetworkCollector>(args.env, std::move(o));
  };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(network, hawatch::network_descriptor)
