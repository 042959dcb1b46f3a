#pragma once
// Collectors configured as a list of named entries (`collectors.backups: [ { name: ... }, ... ]`,
// `plugins.exec: [...]`), each entry its own independently scheduled unit ("backups/<name>").
// Every list collector reads an entry's name, interval and timeout here, so the rules for them
// (and their error messages) are the same everywhere.

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collector.h"

namespace hawatch {

// Reads one entry; `where` is e.g. "collectors.backups[2]", `names` the names taken so far (for
// duplicate checks). Reports problems into the config context and returns nullopt on any.
using ReadEntry = std::function<std::optional<CollectorUnit>(
    const YAML::Node& entry, const std::string& where, std::set<std::string>& names)>;

// An absent or empty section yields no units. A section that is not a list is reported as
// "<where>" must be <expected>, e.g. expected = "a list, e.g. - { name: db, ... }".
std::vector<CollectorUnit> read_entry_list(const CollectorArgs& args, std::string_view expected,
                                           const ReadEntry& read);

// An entry name becomes part of a unit name ("<collector>/<name>"), of label values and of log
// lines: letters, digits, '_', '-' and '.', not empty.
bool valid_entry_name(std::string_view name);

// What every entry has: its name and, optionally, its own schedule.
struct EntryHead {
  std::string name;
  std::optional<Duration> interval;
  std::optional<Duration> timeout;
};

// A timeout longer than its entry's interval: an error (probes and plugins, whose configs always
// refused it), or cut to the interval by the scheduler (the replication and UPS entries, whose
// configs always allowed it; the scheduler bounds every run by its interval anyway).
enum class LongTimeout { refuse, clamp };

// Reads `name` (required, valid, unique among `names`; `kind` says what is duplicated, e.g.
// "probe"), `interval` and `timeout` (positive) of the entry `r` reads. Reports each problem at
// its key and returns nullopt when there was any.
std::optional<EntryHead> read_entry_head(MapReader& r, const YAML::Node& entry,
                                         std::string_view kind, std::set<std::string>& names,
                                         LongTimeout long_timeout = LongTimeout::refuse);

// Reads an optional duration that must be > 0; reports "\"<where>.<key>\" must be positive" and
// clears `ok` otherwise.
std::optional<Duration> positive_duration(MapReader& opts, const std::string& key, bool& ok);

}  // namespace hawatch
