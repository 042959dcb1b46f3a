#include "entry_list.h"

#include <cctype>

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

bool valid_entry_name(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

std::optional<EntryHead> read_entry_head(MapReader& r, const YAML::Node& entry,
                                         std::string_view kind, std::set<std::string>& names,
                                         LongTimeout long_timeout) {
  auto& ctx = r.context();
  const std::string& where = r.where();
  bool ok = true;
  EntryHead head;
  if (const auto name = r.string("name"); !name) {
    // A name of the wrong type was reported by the reader already.
    if (!r.has("name") || r.node("name").IsNull())
      ctx.error(entry, "\"" + where + ".name\" is required");
    ok = false;
  } else if (!valid_entry_name(*name)) {
    ctx.error(r.node("name"), "\"" + where + ".name\": \"" + *name +
                                  "\" may only contain letters, digits, '_', '-' and '.'");
    ok = false;
  } else if (!names.insert(*name).second) {
    ctx.error(r.node("name"),
              "\"" + where + ".name\": duplicate " + std::string(kind) + " name \"" + *name + "\"");
    ok = false;
  } else {
    head.name = *name;
  }
  head.interval = positive_duration(r, "interval", ok);
  head.timeout = positive_duration(r, "timeout", ok);
  if (long_timeout == LongTimeout::refuse && head.interval && head.timeout &&
      *head.timeout > *head.interval) {
    ctx.error(r.node("timeout"), "\"" + where + ".timeout\" is longer than its interval");
    ok = false;
  }
  if (!ok) return std::nullopt;
  return head;
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
