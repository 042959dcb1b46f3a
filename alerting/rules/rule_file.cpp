#include "rule_file.h"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "names.h"

namespace hawatch::rules {
namespace {

// Where each byte of a YAML scalar's value came from: walks the scalar's source as YAML folds it
// so an expression's error offset maps back to the line and column of its token.
std::pair<int, int> source_position(std::string_view text, const YAML::Mark& mark,
                                    std::size_t offset) {
  std::size_t pos = static_cast<std::size_t>(std::max(mark.pos, 0));
  int line = mark.line + 1;
  int column = mark.column + 1;
  if (pos >= text.size()) return {line, column};
  const char style = text[pos];
  const bool block = style == '|' || style == '>';
  std::size_t indent = 0;
  if (block) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return {line, column};
    pos = nl + 1;
    ++line;
    while (pos + indent < text.size() && text[pos + indent] == ' ') ++indent;
    pos += indent;
    column = static_cast<int>(indent) + 1;
  } else if (style == '"' || style == '\'') {
    ++pos;
    ++column;
  }
  // Consume `offset` value bytes: a source line break is one value byte (a newline or a space).
  while (offset > 0 && pos < text.size()) {
    if (text[pos] == '\n') {
      ++pos;
      ++line;
      std::size_t skip = 0;
      while (pos + skip < text.size() && text[pos + skip] == ' ' && (!block || skip < indent))
        ++skip;
      pos += skip;
      column = static_cast<int>(skip) + 1;
    } else {
      ++pos;
      ++column;
    }
    --offset;
  }
  return {line, column};
}

struct Reader {
  std::string_view text;
  std::string file;
  const RuleFileLimits& limits;
  RuleFiles& out;
  std::size_t* rule_count;

  void error(const YAML::Node& at, std::string message) {
    out.errors.push_back(FileError{file, line_of(at), column_of(at), std::move(message)});
  }

  // Checks a mapping's keys against the allowed ones: unknown and repeated keys are errors.
  bool check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                  std::string_view what, const std::string& context) {
    if (!map.IsMap()) {
      error(map, context + what_kind(what) + " must be a mapping");
      return false;
    }
    std::set<std::string> seen;
    for (const auto& kv : map) {
      const std::string key = kv.first.Scalar();
      if (!kv.first.IsScalar() || std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        error(kv.first, context + "field " + key + " not found in " + std::string(what));
      } else if (!seen.insert(key).second) {
        error(kv.first, context + "mapping key \"" + key + "\" already defined");
      }
    }
    return true;
  }
  static std::string what_kind(std::string_view what) { return std::string(what); }

  std::optional<std::string> scalar(const YAML::Node& n, std::string_view key,
                                    const std::string& context) {
    if (!n.IsScalar()) {
      error(n, context + std::string(key) + " must be a string");
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<Millis> duration(const YAML::Node& n, std::string_view key,
                                 const std::string& context) {
    auto s = scalar(n, key, context);
    if (!s) return std::nullopt;
    auto d = parse_duration(*s);
    if (!d) error(n, context + std::string(key) + ": not a valid duration string: \"" + *s + "\"");
    return d;
  }

  NamedValues string_map(const YAML::Node& n, std::string_view key, const std::string& context) {
    NamedValues values;
    if (!n || n.IsNull()) return values;
    if (!n.IsMap()) {
      error(n, context + std::string(key) + " must be a mapping of strings");
      return values;
    }
    std::set<std::string> seen;
    for (const auto& kv : n) {
      if (!kv.second.IsScalar() && !kv.second.IsNull()) {
        error(kv.second,
              context + std::string(key) + " \"" + kv.first.Scalar() + "\" must be a string");
        continue;
      }
      if (!seen.insert(kv.first.Scalar()).second) {
        error(kv.first, context + "mapping key \"" + kv.first.Scalar() + "\" already defined");
        continue;
      }
      values.emplace_back(kv.first.Scalar(), kv.second.IsNull() ? "" : kv.second.Scalar());
    }
    std::sort(values.begin(), values.end());
    return values;
  }

  void read() {
    auto loaded = load_yaml(text, file, limits.yaml);
    if (auto* e = std::get_if<FileError>(&loaded)) {
      out.errors.push_back(*e);
      return;
    }
    const YAML::Node root = std::get<YAML::Node>(loaded);
    if (!root || root.IsNull()) return;  // an empty rule file is valid, as in Prometheus
    if (!check_keys(root, {"groups"}, "type rulefmt.RuleGroups", "")) return;
    const YAML::Node groups = root["groups"];
    if (!groups || groups.IsNull()) return;
    if (!groups.IsSequence()) return error(groups, "groups must be a list");
    if (groups.size() > limits.max_groups)
      return error(groups, "more than " + std::to_string(limits.max_groups) + " groups");
    std::set<std::string> names;
    for (const auto& g : groups) read_group(g, names);
  }

  void read_group(const YAML::Node& g, std::set<std::string>& names) {
    if (!check_keys(g, {"name", "interval", "limit", "rules"}, "type rulefmt.RuleGroup", ""))
      return;
    GroupSpec group;
    group.file = file;
    group.line = line_of(g);
    group.column = column_of(g);
    if (g["name"]) group.name = scalar(g["name"], "name", "").value_or("");
    if (group.name.empty())
      error(g, "Groupname must not be empty");
    else if (!names.insert(group.name).second)
      error(g, "groupname: \"" + group.name + "\" is repeated in the same file");
    const std::string context = "group \"" + group.name + "\": ";
    if (g["interval"]) {
      group.interval = duration(g["interval"], "interval", context);
      if (group.interval && group.interval->count() == 0) group.interval.reset();
    }
    if (g["limit"]) {
      const auto s = scalar(g["limit"], "limit", context).value_or("0");
      char* end = nullptr;
      const long long n = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0' || n < 0)
        error(g["limit"], context + "limit must be a non-negative integer, got \"" + s + "\"");
      else
        group.limit = static_cast<std::size_t>(n);
    }
    const YAML::Node rules = g["rules"];
    if (rules && !rules.IsNull()) {
      if (!rules.IsSequence()) {
        error(rules, context + "rules must be a list");
      } else {
        int index = 0;
        for (const auto& r : rules) {
          if (++*rule_count > limits.max_rules) {
            error(r, "more than " + std::to_string(limits.max_rules) + " rules");
            return;
          }
          read_rule(r, group, ++index);
        }
      }
    }
    out.groups.push_back(std::move(group));
  }

  void read_rule(const YAML::Node& r, GroupSpec& group, int index) {
    const std::string group_context = "group \"" + group.name + "\", rule " + std::to_string(index);
    if (!check_keys(r,
                    {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"},
                    "type rulefmt.RuleNode", group_context + ": "))
      return;
    RuleSpec rule;
    rule.line = line_of(r);
    rule.column = column_of(r);
    const std::string record = r["record"] ? scalar(r["record"], "record", "").value_or("") : "";
    const std::string alert = r["alert"] ? scalar(r["alert"], "alert", "").value_or("") : "";
    rule.kind = record.empty() ? RuleSpec::Kind::alerting : RuleSpec::Kind::recording;
    rule.name = record.empty() ? alert : record;
    const std::string context = group_context + ", \"" + rule.name + "\": ";
    const std::size_t errors_before = out.errors.size();
    if (!record.empty() && !alert.empty())
      error(r["record"], context + "only one of 'record' and 'alert' must be set");
    if (record.empty() && alert.empty())
      error(r, context + "one of 'record' or 'alert' must be set");
    read_expr(r, rule, context);  // rulefmt's order: the expression, then the names
    if (!record.empty() && !is_valid_metric_name(record))
      error(r["record"], context + "invalid recording rule name: " + record);
    if (!alert.empty() && !is_valid_utf8(alert))
      error(r["alert"], context + "invalid alert name: not UTF-8");
    if (r["for"]) rule.for_duration = duration(r["for"], "for", context).value_or(Millis(0));
    if (r["keep_firing_for"])
      rule.keep_firing_for =
          duration(r["keep_firing_for"], "keep_firing_for", context).value_or(Millis(0));
    rule.labels = string_map(r["labels"], "labels", context);
    rule.annotations = string_map(r["annotations"], "annotations", context);
    if (rule.kind == RuleSpec::Kind::recording) {
      if (!rule.annotations.empty())
        error(r["record"], context + "invalid field 'annotations' in recording rule");
      if (rule.for_duration.count() != 0)
        error(r["record"], context + "invalid field 'for' in recording rule");
      if (rule.keep_firing_for.count() != 0)
        error(r["record"], context + "invalid field 'keep_firing_for' in recording rule");
    }
    for (const auto& [name, value] : rule.labels) {
      if (!is_valid_label_name(name) || name == "__name__")
        error(r["labels"], context + "invalid label name: " + name);
      if (!is_valid_utf8(value)) error(r["labels"], context + "invalid label value: " + value);
    }
    for (const auto& [name, value] : rule.annotations)
      if (!is_valid_label_name(name))
        error(r["annotations"], context + "invalid annotation name: " + name);
    if (rule.kind == RuleSpec::Kind::alerting) {
      parse_templates(r["labels"], rule.labels, rule.label_templates, "label", rule.name, context);
      parse_templates(r["annotations"], rule.annotations, rule.annotation_templates, "annotation",
                      rule.name, context);
    }
    if (out.errors.size() == errors_before) group.rules.push_back(std::move(rule));
  }

  void read_expr(const YAML::Node& r, RuleSpec& rule, const std::string& context) {
    const YAML::Node e = r["expr"];
    if (!e || e.IsNull() || (e.IsScalar() && e.Scalar().empty())) {
      error(e ? e : r, context + "field 'expr' must be set in rule");
      return;
    }
    auto expr = scalar(e, "expr", context);
    if (!expr) return;
    rule.expr_text = *expr;
    auto parsed = promql::parse(*expr);
    if (auto* err = std::get_if<promql::ParseError>(&parsed)) {
      const auto [line, column] = source_position(this->text, e.Mark(), err->offset);
      std::string message = context + "could not parse expression: " + std::to_string(err->line) +
                            ":" + std::to_string(err->column) + ": parse error: " + err->message;
      if (!err->token.empty()) message += " (at \"" + err->token + "\")";
      out.errors.push_back(FileError{file, line, column, message});
      return;
    }
    rule.expr = std::get<promql::Expr>(std::move(parsed));
  }

  void parse_templates(const YAML::Node& where, const NamedValues& values,
                       std::vector<tmpl::AlertTemplate>& out_templates, std::string_view what,
                       const std::string& alert_name, const std::string& context) {
    for (const auto& [name, value] : values) {
      auto parsed = tmpl::AlertTemplate::parse(value, alert_name);
      if (auto* err = std::get_if<std::string>(&parsed)) {
        const YAML::Node at = where[name] ? where[name] : where;
        error(at, context + std::string(what) + " \"" + name + "\": " + *err);
        continue;
      }
      out_templates.push_back(std::get<tmpl::AlertTemplate>(std::move(parsed)));
    }
  }
};

}  // namespace

RuleFiles parse_rule_file(std::string_view text, const std::string& file,
                          const RuleFileLimits& limits) {
  RuleFiles out;
  std::size_t count = 0;
  Reader{text, file, limits, out, &count}.read();
  out.files.push_back(file);
  return out;
}

std::vector<std::string> glob_files(const std::string& pattern) {
  std::vector<std::string> files;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (std::size_t i = 0; i < g.gl_pathc; ++i) files.emplace_back(g.gl_pathv[i]);
  ::globfree(&g);
  return files;
}

RuleFiles read_rule_files(const std::vector<std::string>& patterns, const std::string& base_dir,
                          const RuleFileLimits& limits, std::vector<std::string>* unmatched) {
  RuleFiles out;
  std::size_t count = 0;
  for (const auto& pattern : patterns) {
    std::string resolved = pattern;
    if (!pattern.empty() && pattern[0] != '/' && !base_dir.empty())
      resolved = (std::filesystem::path(base_dir) / pattern).lexically_normal().string();
    const auto files = glob_files(resolved);
    if (files.empty() && unmatched) unmatched->push_back(resolved);
    for (const auto& f : files) {
      out.files.push_back(f);
      auto text = read_bounded(f, limits.yaml.max_bytes);
      if (auto* e = std::get_if<FileError>(&text)) {
        out.errors.push_back(*e);
        continue;
      }
      Reader{std::get<std::string>(text), f, limits, out, &count}.read();
    }
  }
  return out;
}

}  // namespace hawatch::rules
