#pragma once
// The collector interface and its one-line registration.
//
// A collector is one folder exporter/collectors/<name>/: its sources, one of which ends with
//   HAWATCH_REGISTER_COLLECTOR(node, node_descriptor);
// and a CMakeLists.txt with one hawatch_collector(NAME node SOURCES ...) call. Nothing else in the
// tree needs to change to add it (docs/adding-a-collector.md walks through one).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config_reader.h"
#include "duration.h"
#include "environment.h"
#include "metric_sink.h"

namespace hawatch {

struct CollectContext {
  // Collectors doing network or blocking I/O must finish by this time; the scheduler stops
  // waiting for them here anyway and reports a timeout.
  std::chrono::steady_clock::time_point deadline;

  std::chrono::milliseconds remaining() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds{0};
  }
};

// A recoverable failure of one part of a collection. Collectors record these and go on with the
// other parts; any recorded problem makes hawatch_collector_success 0 for that run.
struct CollectProblem {
  std::string message;
};

class Collector {
 public:
  virtual ~Collector() = default;
  // Emits this run's samples into `sink`. Throwing discards the run's samples; partial problems
  // go into `problems` so the rest of the data is still served.
  virtual void collect(const CollectContext& ctx, MetricSink& sink,
                       std::vector<CollectProblem>& problems) = 0;
};

enum class Enablement { on, off, automatic };

// Arguments a factory gets: its config section (options without the common keys) and the host.
struct CollectorArgs {
  const YAML::Node& options;  // mapping or list as written, or null when absent
  ConfigContext& ctx;         // report option errors here, with positions
  const Environment& env;
  std::string where;          // e.g. "collectors.node", for messages
};

// One independently scheduled part of a collector, for collectors whose parts need their own
// interval and timeout (each probe, each exec check). Shown as hawatch_collector_*{collector=name}.
struct CollectorUnit {
  std::string name;  // e.g. "probes/app"
  std::unique_ptr<Collector> collector;
  std::optional<Duration> interval;  // default: the section's
  std::optional<Duration> timeout;   // default: the section's
};

struct CollectorDescriptor {
  std::string name;
  Enablement default_enablement = Enablement::automatic;
  Duration default_interval = std::chrono::seconds(15);
  Duration default_timeout = std::chrono::seconds(10);
  // For `auto`: whether this collector's source exists on this host (a quiet "no" turns it off).
  std::function<bool(const Environment&)> source_exists = [](const Environment&) { return true; };
  // Validates options and builds the collector. Reports problems into args.ctx; may return null
  // when options are invalid.
  std::function<std::unique_ptr<Collector>(const CollectorArgs&)> create;
  // Alternative to `create` for collectors made of independently scheduled units.
  std::function<std::vector<CollectorUnit>(const CollectorArgs&)> create_units;
};

class CollectorRegistry {
 public:
  static bool add(CollectorDescriptor descriptor);
  static const CollectorDescriptor* find(std::string_view name);
  // Sorted by name.
  static std::vector<const CollectorDescriptor*> all();
};

}  // namespace hawatch

#define HAWATCH_REGISTER_COLLECTOR(id, descriptor_fn)                                  \
  namespace {                                                                          \
  [[maybe_unused]] const bool hawatch_registered_##id =                                \
      ::hawatch::CollectorRegistry::add(descriptor_fn());                              \
  }
