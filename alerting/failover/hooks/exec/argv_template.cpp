#include "hooks/exec/argv_template.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

namespace hawatch::alerting::failover {
namespace {

constexpr std::array<std::pair<std::string_view, TemplateField>, 6> kFields{{
    {"zone", TemplateField::zone},
    {"name", TemplateField::name},
    {"type", TemplateField::type},
    {"ttl", TemplateField::ttl},
    {"old", TemplateField::old_value},
    {"new", TemplateField::new_value},
}};

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::optional<TemplateField> field_named(std::string_view name) {
  for (const auto& [n, f] : kFields)
    if (n == name) return f;
  return std::nullopt;
}

const std::string& value_of(const TemplateValues& v, TemplateField f) {
  switch (f) {
    case TemplateField::zone:
      return v.zone;
    case TemplateField::name:
      return v.name;
    case TemplateField::type:
      return v.type;
    case TemplateField::ttl:
      return v.ttl;
    case TemplateField::old_value:
      return v.old_value;
    case TemplateField::new_value:
      return v.new_value;
  }
  return v.zone;
}

}  // namespace

std::optional<ArgvTemplate> ArgvTemplate::parse(const std::vector<std::string>& argv,
                                                std::string& error,
                                                const std::vector<TemplateField>& forbidden) {
  ArgvTemplate t;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string_view arg = argv[i];
    const std::string at = "argument " + std::to_string(i) + " (\"" + argv[i] + "\")";
    std::vector<Part> parts;
    std::size_t pos = 0;
    while (pos < arg.size()) {
      const std::size_t open = arg.find("{{", pos);
      if (open == std::string_view::npos) {
        parts.push_back({std::string(arg.substr(pos)), std::nullopt});
        break;
      }
      if (open > pos) parts.push_back({std::string(arg.substr(pos, open - pos)), std::nullopt});
      const std::size_t close = arg.find("}}", open + 2);
      if (close == std::string_view::npos) {
        error = at + ": \"{{\" without \"}}\"";
        return std::nullopt;
      }
      const std::string_view name = trim(arg.substr(open + 2, close - open - 2));
      const auto field = field_named(name);
      if (!field) {
        error = at + ": unknown placeholder {{" + std::string(name) +
                "}} (known: zone, name, type, ttl, old, new)";
        return std::nullopt;
      }
      if (std::find(forbidden.begin(), forbidden.end(), *field) != forbidden.end()) {
        error = at + ": {{" + std::string(name) + "}} has no value here";
        return std::nullopt;
      }
      parts.push_back({{}, field});
      pos = close + 2;
    }
    t.args_.push_back(std::move(parts));
  }
  return t;
}

std::vector<std::string> ArgvTemplate::expand(const TemplateValues& values) const {
  std::vector<std::string> out;
  out.reserve(args_.size());
  for (const auto& parts : args_) {
    std::string arg;
    for (const Part& p : parts) arg += p.field ? value_of(values, *p.field) : p.literal;
    out.push_back(std::move(arg));
  }
  return out;
}

}  // namespace hawatch::alerting::failover
