#pragma once
// Collectors configured as a list of named entries (`collectors.backups: [ { name: ... }, ... ]`),
// each entry its own independently scheduled unit ("backups/<name>").

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/collector.h"

namespace hawatch {

// Reads one entry; `where` is e.g. "collectors.backups[2]", `names` the names taken so far (for
// duplicate checks). Reports problems into the config context and returns nullopt on any.
using ReadEntry = std::function<std::optional<CollectorUnit>(
    const YAML::Node& entry, const std::string& where, std::set<std::string>& names)>;

// An absent or empty section yields no units. A section that is not a list is reported as
// "<where>" must be <expected>, e.g. expected = "a list, e.g. - { name: db, ... }".
std::vector<CollectorUnit> read_entry_list(const CollectorArgs& args, std::string_view expected,
                                           const ReadEntry& read);

// An entry name becomes part of a unit name ("<collector>/<name>") and of label values: no '/',
// no control characters, not empty.
bool valid_entry_name(const std::string& name);

// Reads an optional duration that must be > 0; reports "\"<where>.<key>\" must be positive" and
// clears `ok` otherwise.
std::optional<Duration> positive_duration(MapReader& opts, const std::string& key, bool& ok);

}  // namespace hawatch
