#include "config_reader.h"

#include <cmath>
#include <cstring>
#include <limits>

#include "file_io.h"

namespace hawatch {

std::string ConfigDiagnostic::to_string() const {
  std::string out = file;
  if (line > 0) {
    out += ':' + std::to_string(line) + ':' + std::to_string(column);
  }
  out += ": " + message;
  return out;
}

namespace {
std::string join_messages(const std::vector<ConfigDiagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) {
    if (!out.empty()) out += '\n';
    out += d.to_string();
  }
  return out;
}
}  // namespace

ConfigError::ConfigError(std::vector<ConfigDiagnostic> diagnostics)
    : std::runtime_error(join_messages(diagnostics)), diagnostics_(std::move(diagnostics)) {}

void ConfigContext::error(const YAML::Mark& at, std::string message) {
  ConfigDiagnostic d{file_, 0, 0, std::move(message)};
  if (!at.is_null() && at.line >= 0) {
    d.line = at.line + 1;
    d.column = at.column + 1;
  }
  diagnostics_.push_back(std::move(d));
}

void ConfigContext::error(const YAML::Node& at, std::string message) {
  error(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), std::move(message));
}

void ConfigContext::throw_if_errors() const {
  if (!diagnostics_.empty()) throw ConfigError(diagnostics_);
}

namespace {

// yaml-cpp shares an aliased node rather than copying it, so a few hundred bytes of nested
// aliases ("billion laughs") parse into a small graph that every reader then walks as a tree of
// billions of nodes. The tree is measured once here, within a budget, before anything reads it.
bool within_bounds(const YAML::Node& root, ConfigContext& ctx) {
  struct Item {
    YAML::Node node;
    std::size_t depth;
  };
  std::vector<Item> stack{{root, 0}};
  std::size_t visited = 0;
  while (!stack.empty()) {
    const Item item = std::move(stack.back());
    stack.pop_back();
    if (++visited > kMaxYamlNodes) {
      ctx.error(item.node, "the document expands to more than " + std::to_string(kMaxYamlNodes) +
                               " nodes (nested aliases?); refused");
      return false;
    }
    if (item.depth > kMaxYamlDepth) {
      ctx.error(item.node,
                "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels; refused");
      return false;
    }
    if (item.node.IsMap()) {
      for (const auto& kv : item.node) {
        stack.push_back({kv.first, item.depth + 1});
        stack.push_back({kv.second, item.depth + 1});
      }
    } else if (item.node.IsSequence()) {
      for (const auto& v : item.node) stack.push_back({v, item.depth + 1});
    }
  }
  return true;
}

}  // namespace

YAML::Node parse_yaml(const std::string& text, ConfigContext& ctx) {
  try {
    YAML::Node root = YAML::Load(text);
    if (within_bounds(root, ctx)) return root;
  } catch (const YAML::ParserException& e) {
    ctx.error(e.mark, "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark, std::string("YAML error: ") + e.what());
  }
  return YAML::Node(YAML::NodeType::Null);
}

YAML::Node load_yaml_file(const std::string& path, ConfigContext& ctx) {
  // read(2), not std::ifstream, which reads a directory as an empty (valid) YAML document.
  std::string text;
  std::string why;
  if (!read_regular_file_into(path, text, why)) {
    ctx.error(YAML::Mark::null_mark(), "cannot read file: " + why);
    return YAML::Node(YAML::NodeType::Null);
  }
  return parse_yaml(text, ctx);
}

std::string yaml_type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "null";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "unknown";
}

void for_each_list_entry(const YAML::Node& list, ConfigContext& ctx, const std::string& where,
                         const std::function<void(const YAML::Node&, const std::string&)>& entry) {
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence()) {
    ctx.error(list, where + " must be a list");
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i)
    entry(list[i], where + "[" + std::to_string(i) + "]");
}

MapReader::MapReader(const YAML::Node& node, ConfigContext& ctx, std::string where)
    : node_(node), ctx_(ctx), where_(std::move(where)) {
  if (!node.IsDefined() || node.IsNull()) {
    valid_ = true;  // an absent or empty section means "all defaults"
    return;
  }
  if (!node.IsMap()) {
    ctx_.error(node, where_ + ": expected a mapping, got " + yaml_type_name(node));
    return;
  }
  valid_ = true;
  std::set<std::string> seen;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) {
      ctx_.error(kv.first, where_ + ": keys must be plain strings");
      continue;
    }
    const std::string key = kv.first.Scalar();
    if (!seen.insert(key).second) ctx_.error(kv.first, "duplicate key " + qualified(key));
  }
}

std::string MapReader::qualified(const std::string& key) const {
  return where_.empty() ? "\"" + key + "\"" : "\"" + where_ + "." + key + "\"";
}

bool MapReader::has(const std::string& key) const {
  if (!valid_ || !node_.IsMap()) return false;
  for (const auto& kv : node_)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return true;
  return false;
}

YAML::Node MapReader::find(const std::string& key) {
  consumed_.insert(key);
  if (!valid_ || !node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (const auto& kv : node_)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node MapReader::node(const std::string& key) {
  return find(key);
}

std::optional<std::string> MapReader::string(const std::string& key) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    ctx_.error(n, qualified(key) + " must be a string, got " + yaml_type_name(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<bool> MapReader::boolean(const std::string& key) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  ctx_.error(n, qualified(key) + " must be true or false");
  return std::nullopt;
}

std::optional<long long> MapReader::integer(const std::string& key, long long min, long long max) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  long long value = 0;
  if (!n.IsScalar() || !YAML::convert<long long>::decode(n, value)) {
    ctx_.error(n, qualified(key) + " must be an integer");
    return std::nullopt;
  }
  if (value < min || value > max) {
    ctx_.error(n, qualified(key) + " must be between " + std::to_string(min) + " and " +
                      std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<double> MapReader::number(const std::string& key) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  double value = 0;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, value) || std::isnan(value)) {
    ctx_.error(n, qualified(key) + " must be a number");
    return std::nullopt;
  }
  return value;
}

std::optional<Duration> MapReader::duration(const std::string& key) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    ctx_.error(n, qualified(key) + " must be a duration such as 30s, got " + yaml_type_name(n));
    return std::nullopt;
  }
  std::string why;
  auto d = parse_duration(n.Scalar(), &why);
  if (!d) ctx_.error(n, qualified(key) + ": " + why);
  return d;
}

std::optional<std::vector<std::string>> MapReader::string_list(const std::string& key) {
  YAML::Node n = find(key);
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsSequence()) {
    ctx_.error(n, qualified(key) + " must be a list of strings, got " + yaml_type_name(n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& item : n) {
    if (!item.IsScalar()) {
      ctx_.error(item, qualified(key) + " entries must be strings, got " + yaml_type_name(item));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<std::string> MapReader::choice(const std::string& key,
                                             const std::vector<std::string>& allowed) {
  YAML::Node n = find(key);
  auto value = [&]() -> std::optional<std::string> {
    if (!n.IsDefined() || n.IsNull()) return std::nullopt;
    if (!n.IsScalar()) return std::string{};
    return n.Scalar();
  }();
  if (!value) return std::nullopt;
  for (const auto& a : allowed)
    if (a == *value) return value;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  ctx_.error(n, qualified(key) + " must be one of: " + list);
  return std::nullopt;
}

void MapReader::finish() {
  if (!valid_ || !node_.IsMap()) return;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar()) continue;
    if (!consumed_.count(kv.first.Scalar()))
      ctx_.error(kv.first, "unknown key " + qualified(kv.first.Scalar()));
  }
}

}  // namespace hawatch
