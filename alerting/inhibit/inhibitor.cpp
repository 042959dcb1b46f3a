#include "inhibit/inhibitor.h"

#include "dispatch/route_config.h"
#include "matchers/parse.h"

namespace hawatch::alerting {

Inhibitor::Inhibitor(std::vector<InhibitRule> rules) {
  for (InhibitRule& r : rules) rules_.push_back({std::move(r), {}});
}

void Inhibitor::observe(const Alert& alert) {
  const std::lock_guard lock(mutex_);
  for (RuleState& state : rules_) {
    if (matches_all(state.rule.source, alert.labels)) state.sources[alert.fingerprint()] = alert;
  }
}

namespace {
bool equal_labels(const std::set<std::string, std::less<>>& names, const LabelSet& a,
                  const LabelSet& b) {
  for (const std::string& n : names) {
    auto ai = a.find(n);
    auto bi = b.find(n);
    const std::string_view av = ai == a.end() ? std::string_view() : std::string_view(ai->second);
    const std::string_view bv = bi == b.end() ? std::string_view() : std::string_view(bi->second);
    if (av != bv) return false;
  }
  return true;
}
}  // namespace

std::optional<Fingerprint> Inhibitor::inhibited_by(const LabelSet& labels, Time now) const {
  const std::lock_guard lock(mutex_);
  for (const RuleState& state : rules_) {
    if (!matches_all(state.rule.target, labels)) continue;
    // A target that is also a source cannot be inhibited by sources that are also targets.
    const bool two_sided = matches_all(state.rule.source, labels);
    for (const auto& [fp, source] : state.sources) {
      if (source.resolved_at(now)) continue;
      if (!equal_labels(state.rule.equal, source.labels, labels)) continue;
      if (two_sided && matches_all(state.rule.target, source.labels)) continue;
      return fp;
    }
  }
  return std::nullopt;
}

void Inhibitor::gc(Time now) {
  const std::lock_guard lock(mutex_);
  for (RuleState& state : rules_) {
    std::erase_if(state.sources, [&](const auto& e) { return e.second.resolved_at(now); });
  }
}

namespace {

Matchers read_side(MapReader& m, const std::string& side, ConfigContext& ctx,
                   const std::string& where) {
  Matchers out;
  LabelSet eq, re;
  auto read_map = [&](const std::string& key, LabelSet& dest, bool regex) {
    YAML::Node node = m.node(key);
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      ctx.error(node, where + "." + key + " must be a mapping of label names to values");
      return;
    }
    for (const auto& kv : node) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
        ctx.error(kv.first, where + "." + key + ": entries must be label name: value");
        continue;
      }
      if (regex) {
        try {
          (void)Matcher(MatchType::regex, kv.first.Scalar(), kv.second.Scalar());
        } catch (const MatcherError& e) {
          ctx.error(kv.second, where + "." + key + ": " + e.what());
          continue;
        }
      }
      dest[kv.first.Scalar()] = kv.second.Scalar();
    }
  };
  read_map(side + "_match", eq, false);
  read_map(side + "_match_re", re, true);
  out = matchers_from_maps(eq, re);
  read_matcher_list(m.node(side + "_matchers"), ctx, where + "." + side + "_matchers", out);
  return out;
}

}  // namespace

std::vector<InhibitRule> read_inhibit_rules(const YAML::Node& list, ConfigContext& ctx,
                                            const std::string& where) {
  std::vector<InhibitRule> out;
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) {
    ctx.error(list, where + " must be a list");
    return out;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    MapReader m(list[i], ctx, at);
    InhibitRule rule;
    rule.source = read_side(m, "source", ctx, at);
    rule.target = read_side(m, "target", ctx, at);
    if (auto equal = m.string_list("equal")) rule.equal.insert(equal->begin(), equal->end());
    m.finish();
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace hawatch::alerting
