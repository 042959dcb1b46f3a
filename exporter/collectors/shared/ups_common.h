#pragma once
// What the apcupsd and nut collectors share: reading their list of UPS entries from the config,
// emitting a ups::Reading as the hawatch_ups_* families, and logging availability changes once.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/collector.h"
#include "core/metric_sink.h"
#include "tcp_client.h"
#include "ups_reading.h"

namespace hawatch::ups {

// Every flag is always present (0 when down); value families only while the UPS is up.
void emit_reading(MetricSink& sink, const std::string& ups, const Reading& reading);

// The keys every entry has: name, address, and optionally its own interval/timeout.
struct Entry {
  std::string name;
  HostPort address;
  std::optional<Duration> interval;
  std::optional<Duration> timeout;
};

// Reads `collectors.<c>: [ {name, address, ...}, ... ]`. For each valid entry, `make` reads the
// collector's own keys from `opts` (before finish() reports unknown ones) and returns the collector,
// or null when its keys are invalid. An absent section (collector enabled by flag) means one UPS
// daemon on loopback: {name: local, address: 127.0.0.1:default_port}.
using MakeCollector = std::function<std::unique_ptr<Collector>(MapReader& opts, const Entry& entry)>;
std::vector<CollectorUnit> read_units(const CollectorArgs& args, std::uint16_t default_port,
                                      const MakeCollector& make);

// Logs when a UPS goes down (with the reason and detail) or comes back, once per change, so a
// UPS that stays unreachable does not flood the log at every run.
class AvailabilityLog {
 public:
  void note(const std::string& collector, const std::string& ups, const Reading& reading,
            const std::string& detail);

 private:
  std::map<std::string, std::string> last_reason_;  // by ups; "" = up
};

}  // namespace hawatch::ups
