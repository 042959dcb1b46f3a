#include "entry_list.h"

namespace hawatch {

std::vector<CollectorUnit> read_entry_list(const CollectorArgs& args, std::string_view expected,
                                           const ReadEntry& read) {
  std::vector<CollectorUnit> units;
  if (!args.options.IsDefined() || args.options.IsNull()) return units;
  if (!args.options.IsSequence()) {
    // A mapping here was rebuilt without positions by the config reader; its keys keep theirs.
    const YAML::Node at =
        args.options.IsMap() && args.options.size() ? args.options.begin()->first : args.options;
    args.ctx.error(at, "\"" + args.where + "\" must be " + std::string(expected));
    return units;
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < args.options.size(); ++i) {
    const std::string where = args.where + "[" + std::to_string(i) + "]";
    if (auto unit = read(args.options[i], where, names)) units.push_back(std::move(*unit));
  }
  return units;
}

bool valid_entry_name(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name)
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

std::optional<Duration> positive_duration(MapReader& opts, const std::string& key, bool& ok) {
  const auto d = opts.duration(key);
  if (d && d->count() <= 0) {
    opts.context().error(opts.node(key), "\"" + opts.where() + "." + key + "\" must be positive");
    ok = false;
  }
  return d;
}

}  // namespace hawatch
