// bonding: per-bond and per-slave link state of Linux bonds (the HA guide's eth0/eth1
// active-backup bond), from sysfs and, where present, /proc/net/bonding/<bond>. Sysfs is
// authoritative for the slave list and MII state; /proc adds speed, duplex and 802.3ad details
// and fills in what an older kernel's sysfs lacks.

#include <algorithm>
#include <optional>

#include "bonding_proc.h"
#include "bonding_sysfs.h"
#include "core/collector.h"
#include "core/file_io.h"
#include "core/parse.h"

namespace hawatch {
namespace {

using bonding::ProcBond;
using bonding::ProcSlave;
using bonding::SysfsBond;
using bonding::SysfsSlave;

template <typename T>
std::optional<T> first(const std::optional<T>& a, const std::optional<T>& b) {
  return a ? a : b;
}

const ProcSlave* proc_slave(const std::optional<ProcBond>& proc, const std::string& name) {
  if (!proc) return nullptr;
  for (const auto& s : proc->slaves)
    if (s.name == name) return &s;
  return nullptr;
}

const SysfsSlave* sysfs_slave(const SysfsBond& bond, const std::string& name) {
  for (const auto& s : bond.slaves)
    if (s.name == name) return &s;
  return nullptr;
}

// Modes in which exactly one slave carries traffic (bond_uses_primary() in the kernel).
bool has_single_active_slave(const std::string& mode) {
  return mode == "active-backup" || mode == "balance-tlb" || mode == "balance-alb";
}

class BondingCollector final : public Collector {
 public:
  explicit BondingCollector(const Environment& env) : env_(env) {}

  void collect(const CollectContext&, MetricSink& sink, std::vector<CollectProblem>& problems) override {
    std::vector<std::string> found;
    const auto bonds = bonding::read_sysfs_bonds(env_, found);
    for (auto& p : found) problems.push_back({std::move(p)});
    sink.gauge("hawatch_bonds", "Number of bonding masters (bonding_masters).",
               static_cast<double>(bonds.size()));
    for (const auto& bond : bonds) emit_bond(bond, read_proc(bond.name, problems), sink);
  }

 private:
  std::optional<ProcBond> read_proc(const std::string& bond, std::vector<CollectProblem>& problems) {
    const auto path = env_.proc("net/bonding/" + bond);
    try {
      return bonding::parse_proc_bonding(read_file(path, 256 * 1024), path.string());
    } catch (const IoError& e) {
      if (!e.not_found()) problems.push_back({e.what()});  // absent: sysfs alone must do
    } catch (const ParseError& e) {
      problems.push_back({e.what()});
    }
    return std::nullopt;
  }

  void emit_bond(const SysfsBond& b, const std::optional<ProcBond>& proc, MetricSink& sink) {
    const Labels bl{{"bond", b.name}};
    std::string mode = b.mode.value_or(proc ? bonding::mode_short_name(proc->mode) : "");
    if (!mode.empty())
      sink.info("hawatch_bond_info", "Bonding mode of each bond (sysfs short name).",
                {{"bond", b.name}, {"mode", mode}});
    if (const auto up = first(b.mii_up, proc ? proc->mii_up : std::nullopt))
      sink.gauge("hawatch_bond_up", "Whether the bond itself has carrier (its MII status is up).",
                 *up ? 1 : 0, bl);
    if (const auto ms = first(b.miimon_ms, proc ? proc->mii_polling_ms : std::nullopt))
      sink.gauge("hawatch_bond_mii_polling_interval_seconds",
                 "MII link monitoring interval (miimon); 0 means links are not monitored.", *ms / 1000.0, bl);
    if (proc && proc->up_delay_ms)
      sink.gauge("hawatch_bond_up_delay_seconds", "Delay before a slave that came up is used.",
                 *proc->up_delay_ms / 1000.0, bl);
    if (proc && proc->down_delay_ms)
      sink.gauge("hawatch_bond_down_delay_seconds", "Delay before a slave that went down is dropped.",
                 *proc->down_delay_ms / 1000.0, bl);
    sink.gauge("hawatch_bond_slaves", "Number of slaves enslaved to the bond.",
               static_cast<double>(b.slave_names.size()), bl);

    const auto active_name = first(b.active_slave, proc ? proc->active_slave : std::nullopt);
    const auto aggregator = first(b.ad_aggregator_id, proc && proc->aggregator ? proc->aggregator->id
                                                                              : std::nullopt);
    int up_count = 0;
    for (const auto& name : b.slave_names) {
      const SysfsSlave* s = sysfs_slave(b, name);
      const ProcSlave* p = proc_slave(proc, name);
      const auto up = first(s ? s->mii_up : std::nullopt, p ? p->mii_up : std::nullopt);
      // Unknown: the sysfs reader has reported why; publishing a guess would mislead alerts.
      if (!up) continue;
      up_count += *up ? 1 : 0;
      const Labels sl{{"bond", b.name}, {"slave", name}};
      sink.gauge("hawatch_bond_slave_up", "Whether the slave's MII status is up.", *up ? 1 : 0, sl);
      bool active = *up;
      if (has_single_active_slave(mode) && active_name) active = *active_name == name;
      else if (s && s->state) active = *s->state == "active";
      sink.gauge("hawatch_bond_active_slave",
                 "Whether the slave carries traffic: the currently active slave in active-backup, "
                 "state \"active\" in other modes.",
                 active ? 1 : 0, sl);
      if (const auto n = first(s ? s->link_failures : std::nullopt, p ? p->link_failures : std::nullopt))
        sink.counter("hawatch_bond_slave_link_failures_total",
                     "Link failures the bonding driver counted on the slave.", static_cast<double>(*n), sl);
      emit_proc_slave(p, sl, sink);
      const auto agg = first(s ? s->aggregator_id : std::nullopt, p ? p->aggregator_id : std::nullopt);
      if (mode == "802.3ad" && aggregator)
        sink.gauge("hawatch_bond_slave_in_active_aggregator",
                   "802.3ad: whether the slave belongs to the bond's active aggregator (LACP agreed).",
                   agg && *agg == *aggregator ? 1 : 0, sl);
    }
    sink.gauge("hawatch_bond_active_slaves", "Number of slaves whose MII status is up.", up_count, bl);
    if (mode == "802.3ad") emit_lacp(b, proc, aggregator, sink);
  }

  static void emit_proc_slave(const ProcSlave* p, const Labels& sl, MetricSink& sink) {
    if (!p) return;
    if (p->speed_mbps)
      sink.gauge("hawatch_bond_slave_speed_bytes", "Slave link speed, in bytes per second.",
                 *p->speed_mbps * 1e6 / 8, sl);
    if (p->full_duplex)
      sink.gauge("hawatch_bond_slave_full_duplex", "Whether the slave link is full duplex.",
                 *p->full_duplex ? 1 : 0, sl);
  }

  static void emit_lacp(const SysfsBond& b, const std::optional<ProcBond>& proc,
                        const std::optional<std::int64_t>& aggregator, MetricSink& sink) {
    const Labels bl{{"bond", b.name}};
    if (aggregator)
      sink.gauge("hawatch_bond_ad_aggregator_id", "802.3ad: ID of the active aggregator.",
                 static_cast<double>(*aggregator), bl);
    const auto ports = first(b.ad_num_ports, proc && proc->aggregator ? proc->aggregator->ports
                                                                      : std::nullopt);
    if (ports)
      sink.gauge("hawatch_bond_ad_ports", "802.3ad: ports in the active aggregator.",
                 static_cast<double>(*ports), bl);
    if (proc && proc->aggregator && !proc->aggregator->partner_mac.empty())
      // An all-zero partner means no LACP partner answered: the switch side is not aggregating.
      sink.gauge("hawatch_bond_ad_partner_present", "802.3ad: whether an LACP partner answered.",
                 proc->aggregator->partner_mac != "00:00:00:00:00:00" ? 1 : 0, bl);
  }

  Environment env_;
};

CollectorDescriptor bonding_descriptor() {
  CollectorDescriptor d;
  d.name = "bonding";
  d.default_enablement = Enablement::automatic;
  d.default_interval = std::chrono::seconds(15);
  d.default_timeout = std::chrono::seconds(5);
  d.source_exists = [](const Environment& env) {
    std::error_code ec;
    return std::filesystem::exists(env.sys("class/net/bonding_masters"), ec);
  };
  d.create = [](const CollectorArgs& args) -> std::unique_ptr<Collector> {
    MapReader opts(args.options, args.ctx, args.where);
    opts.finish();  // no options yet: every key is unknown
    return std::make_unique<BondingCollector>(args.env);
  };
  return d;
}

}  // namespace
}  // namespace hawatch

HAWATCH_REGISTER_COLLECTOR(bonding, hawatch::bonding_descriptor)
