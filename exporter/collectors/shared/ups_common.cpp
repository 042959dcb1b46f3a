#include "ups_common.h"

#include <set>

#include "core/log.h"
#include "core/entry_list.h"

namespace hawatch::ups {
namespace {

void optional_gauge(MetricSink& sink, std::string_view name, std::string_view help,
                    const std::optional<double>& value, const Labels& labels) {
  if (value) sink.gauge(name, help, *value, labels);
}

}  // namespace

void emit_reading(MetricSink& sink, const std::string& ups, const Reading& r) {
  const Labels l{{"ups", ups}};
  sink.gauge("hawatch_ups_up",
             "Whether the UPS daemon answered with current data for this UPS (0: unreachable, "
             "communication with the UPS lost, data stale).",
             r.up ? 1 : 0, l);
  for (std::size_t i = 0; i < kFlagNames.size(); ++i) {
    sink.gauge("hawatch_ups_status", "UPS status flag (NUT names; apcupsd states mapped), 1 when set.",
               r.up && r.flags.test(i) ? 1 : 0, {{"flag", std::string(kFlagNames[i])}, {"ups", ups}});
  }
  if (!r.up) {
    sink.info("hawatch_ups_error_info", "Why hawatch_ups_up is 0; present only while it is.",
              {{"reason", r.down_reason}, {"ups", ups}});
    return;
  }
  optional_gauge(sink, "hawatch_ups_battery_charge_ratio", "Battery charge, 0 to 1.",
                 r.battery_charge_ratio, l);
  optional_gauge(sink, "hawatch_ups_battery_runtime_seconds", "Estimated runtime left on battery.",
                 r.battery_runtime_seconds, l);
  optional_gauge(sink, "hawatch_ups_load_ratio", "Load as a fraction of the UPS's nominal power.",
                 r.load_ratio, l);
  optional_gauge(sink, "hawatch_ups_input_voltage_volts", "Input (line) voltage.", r.input_voltage_volts, l);
  optional_gauge(sink, "hawatch_ups_output_voltage_volts", "Output voltage.", r.output_voltage_volts, l);
  optional_gauge(sink, "hawatch_ups_battery_voltage_volts", "Battery voltage.", r.battery_voltage_volts, l);
  optional_gauge(sink, "hawatch_ups_on_battery_seconds",
                 "Time on battery in the current outage, 0 on line.", r.on_battery_seconds, l);
  if (r.on_battery_seconds_total)
    sink.counter("hawatch_ups_on_battery_seconds_total",
                 "Time on battery since the UPS daemon started (apcupsd CUMONBATT).",
                 *r.on_battery_seconds_total, l);
  if (r.transfers_total)
    sink.counter("hawatch_ups_transfers_total",
                 "Transfers to battery since the UPS daemon started (apcupsd NUMXFERS).",
                 *r.transfers_total, l);
  if (r.last_transfer_reason)
    sink.info("hawatch_ups_last_transfer_info", "Reason of the last transfer to battery, as the UPS reports it.",
              {{"reason", *r.last_transfer_reason}, {"ups", ups}});
  if (r.self_test_result)
    sink.info("hawatch_ups_self_test_info", "Result of the last UPS self-test, as the UPS daemon reports it.",
              {{"result", *r.self_test_result}, {"ups", ups}});
  for (const auto& [variable, value] : r.variables)
    sink.gauge("hawatch_nut_variable", "Numeric NUT variable of the UPS, by NUT name.", value,
               {{"ups", ups}, {"variable", variable}});
}

std::vector<CollectorUnit> read_units(const CollectorArgs& args, std::uint16_t default_port,
                                      const MakeCollector& make) {
  std::vector<CollectorUnit> units;
  const std::string collector = args.where.substr(args.where.rfind('.') + 1);
  if (!args.options.IsDefined() || args.options.IsNull()) {
    Entry local{"local", HostPort{"127.0.0.1", default_port}, std::nullopt, std::nullopt};
    YAML::Node empty(YAML::NodeType::Map);
    MapReader opts(empty, args.ctx, args.where);
    if (auto c = make(opts, local)) units.push_back({collector + "/local", std::move(c), {}, {}});
    return units;
  }
  if (!args.options.IsSequence()) {
    // The framework hands a mapping section over rebuilt (without its scheduling keys), so its
    // own position is lost; its first key still has one.
    const YAML::Node at = args.options.IsMap() && args.options.size() ? args.options.begin()->first : args.options;
    args.ctx.error(at, "\"" + args.where + "\" must be a list of { name, address, ... } entries");
    return units;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < args.options.size(); ++i) {
    const YAML::Node item = args.options[i];
    const std::string where = args.where + "[" + std::to_string(i) + "]";
    MapReader opts(item, args.ctx, where);
    if (!opts.valid()) continue;
    Entry entry;
    bool ok = true;
    if (const auto head = read_entry_head(opts, item, collector, names, LongTimeout::clamp)) {
      entry.name = head->name;
      entry.interval = head->interval;
      entry.timeout = head->timeout;
    } else {
      ok = false;
    }
    const auto address = opts.string("address");
    if (!address) {
      if (!opts.has("address")) args.ctx.error(item, "\"" + where + "\": missing \"address\" (HOST:PORT)");
      ok = false;
    } else {
      std::string why;
      if (auto hp = parse_host_port(*address, default_port, why)) {
        entry.address = *hp;
      } else {
        args.ctx.error(opts.node("address"), "\"" + where + ".address\": \"" + *address + "\": " + why);
        ok = false;
      }
    }
    auto c = make(opts, entry);  // always, so that its keys are checked and consumed
    opts.finish();
    if (ok && c) units.push_back({collector + "/" + entry.name, std::move(c), entry.interval, entry.timeout});
  }
  return units;
}

void AvailabilityLog::note(const std::string& collector, const std::string& ups, const Reading& reading,
                           const std::string& detail) {
  const std::string reason = reading.up ? "" : reading.down_reason;
  auto [it, inserted] = last_reason_.try_emplace(ups, "");
  if (!inserted && it->second == reason) return;
  if (inserted && reason.empty()) return;  // first sight, and fine: nothing to say
  it->second = reason;
  if (reason.empty()) {
    log::info("UPS available again", {{"collector", collector}, {"ups", ups}});
  } else {
    log::warn("UPS not available", {{"collector", collector}, {"ups", ups}, {"reason", reason},
                                    {"detail", detail.empty() ? reason : detail}});
  }
}

}  // namespace hawatch::ups
