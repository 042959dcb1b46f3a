#include "dispatch/route_config.h"

#include "matchers/parse.h"

namespace hawatch::alerting {

void read_matcher_list(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                       Matchers& out) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    ctx.error(list, where + " must be a list of matcher strings");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    if (!list[i].IsScalar()) {
      ctx.error(list[i], at + " must be a string such as 'severity=\"critical\"'");
      continue;
    }
    try {
      for (Matcher& m : parse_matchers(list[i].Scalar(), at)) out.push_back(std::move(m));
    } catch (const MatcherError& e) {
      ctx.error(list[i], e.what());
    }
  }
}

namespace {

bool valid_label_name(const std::string& name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

class RouteReader {
 public:
  RouteReader(ConfigContext& ctx, const RouteReferences& refs) : ctx_(ctx), refs_(refs) {}

  std::unique_ptr<Route> read_root(const YAML::Node& node, const std::string& where) {
    if (!node.IsDefined() || node.IsNull()) {
      ctx_.error(node, where + ": a route with a receiver is required");
      return nullptr;
    }
    Parsed p = parse(node, where, RouteOptions{});
    if (p.options.receiver.empty()) ctx_.error(node, where + ": the root route needs a receiver");
    if (!p.matchers.empty()) ctx_.error(node, where + ": the root route must not have matchers");
    if (p.continue_matching) ctx_.error(node, where + ": the root route cannot have continue");
    if (!p.options.mute_time_intervals.empty() || !p.options.active_time_intervals.empty()) {
      ctx_.error(node, where + ": the root route must not have mute or active time intervals");
    }
    auto root = std::make_unique<Route>(nullptr, p.options, p.matchers, false);
    read_children(*root, p.routes, where);
    return root;
  }

 private:
  struct Parsed {
    RouteOptions options;
    Matchers matchers;
    bool continue_matching = false;
    // Bound with reset(), never `=`: yaml-cpp's Node::operator= into a node that has one writes
    // into it and merges its memory into the document's (core/config.h; route_config_memory_test).
    YAML::Node routes;
  };

  Parsed parse(const YAML::Node& node, const std::string& where, const RouteOptions& inherited) {
    MapReader m(node, ctx_, where);
    Parsed p;
    p.options = inherited;
    p.options.mute_time_intervals.clear();
    p.options.active_time_intervals.clear();
    if (auto r = m.string("receiver")) {
      p.options.receiver = *r;
      if (refs_.receivers && !refs_.receivers->count(*r)) {
        ctx_.error(m.node("receiver"), where + ": undefined receiver \"" + *r + "\"");
      }
    }
    read_group_by(m, where, p.options);
    read_duration(m, "group_wait", where, p.options.group_wait, true);
    read_duration(m, "group_interval", where, p.options.group_interval, false);
    read_duration(m, "repeat_interval", where, p.options.repeat_interval, false);
    p.matchers = matchers_from_maps(read_map(m, "match", where, false),
                                    read_map(m, "match_re", where, true));
    read_matcher_list(m.node("matchers"), ctx_, where + ".matchers", p.matchers);
    p.continue_matching = m.boolean("continue").value_or(false);
    read_interval_names(m, "mute_time_intervals", where, p.options.mute_time_intervals);
    read_interval_names(m, "active_time_intervals", where, p.options.active_time_intervals);
    p.routes.reset(m.node("routes"));
    m.finish();
    return p;
  }

  void read_children(Route& parent, const YAML::Node& routes, const std::string& where) {
    if (!routes.IsDefined() || routes.IsNull()) return;
    if (!routes.IsSequence()) {
      ctx_.error(routes, where + ".routes must be a list of routes");
      return;
    }
    if (++depth_ > kMaxDepth) {
      ctx_.error(routes, where + ".routes: routes nested deeper than " + std::to_string(kMaxDepth));
      return;
    }
    for (std::size_t i = 0; i < routes.size(); ++i) {
      const std::string at = where + ".routes[" + std::to_string(i) + "]";
      Parsed p = parse(routes[i], at, parent.options());
      Route& child = parent.add_child(p.options, p.matchers, p.continue_matching);
      read_children(child, p.routes, at);
    }
    --depth_;
  }

  void read_group_by(MapReader& m, const std::string& where, RouteOptions& options) {
    auto list = m.string_list("group_by");
    if (!list) return;
    options.group_by.clear();
    options.group_by_all = false;
    const YAML::Node at = m.node("group_by");
    for (const std::string& name : *list) {
      if (name == "...") {
        options.group_by_all = true;
      } else if (!valid_label_name(name)) {
        ctx_.error(at, where + ".group_by: \"" + name + "\" is not a label name");
      } else if (!options.group_by.insert(name).second) {
        ctx_.error(at, where + ".group_by: duplicated label \"" + name + "\"");
      }
    }
    if (options.group_by_all && list->size() > 1) {
      ctx_.error(at, where + ".group_by: '...' must be the only entry (it groups by all labels)");
    }
  }

  void read_duration(MapReader& m, const std::string& key, const std::string& where, Duration& out,
                     bool zero_allowed) {
    auto d = m.duration(key);
    if (!d) return;
    if (!zero_allowed && d->count() <= 0) {
      ctx_.error(m.node(key), where + "." + key + " cannot be zero");
      return;
    }
    // Time points are nanoseconds until 2262: a century keeps now + interval representable.
    if (*d > std::chrono::hours(24 * 365 * 100)) {
      ctx_.error(m.node(key), where + "." + key + " is longer than 100 years");
      return;
    }
    out = *d;
  }

  LabelSet read_map(MapReader& m, const std::string& key, const std::string& where, bool regex) {
    LabelSet out;
    YAML::Node node = m.node(key);
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsMap()) {
      ctx_.error(node, where + "." + key + " must be a mapping of label names to values");
      return out;
    }
    for (const auto& kv : node) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar() || !valid_label_name(kv.first.Scalar())) {
        ctx_.error(kv.first, where + "." + key + ": entries must be label name: value");
        continue;
      }
      if (regex) {
        try {
          (void)Matcher(MatchType::regex, kv.first.Scalar(), kv.second.Scalar());
        } catch (const MatcherError& e) {
          ctx_.error(kv.second, where + "." + key + ": " + e.what());
          continue;
        }
      }
      out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return out;
  }

  void read_interval_names(MapReader& m, const std::string& key, const std::string& where,
                           std::vector<std::string>& out) {
    auto names = m.string_list(key);
    if (!names) return;
    for (const std::string& n : *names) {
      if (refs_.time_intervals && !refs_.time_intervals->count(n)) {
        ctx_.error(m.node(key), where + "." + key + ": undefined time interval \"" + n + "\"");
      }
      out.push_back(n);
    }
  }

  static constexpr int kMaxDepth = 32;
  ConfigContext& ctx_;
  const RouteReferences& refs_;
  int depth_ = 0;
};

}  // namespace

std::unique_ptr<Route> read_route(const YAML::Node& node, ConfigContext& ctx,
                                  const std::string& where, const RouteReferences& refs) {
  return RouteReader(ctx, refs).read_root(node, where);
}

}  // namespace hawatch::alerting
