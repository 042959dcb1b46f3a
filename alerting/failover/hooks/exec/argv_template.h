#pragma once
// The exec hook's command template: an argv in which {{zone}}, {{name}}, {{type}}, {{ttl}},
// {{old}} and {{new}} stand for the record and its values, as whole arguments or inside one
// ("--name={{name}}"). Each argument stays one argument whatever the value holds (spaces,
// quotes, `;`, `$()`, newlines): there is no shell and no splitting. Substitution is one linear
// pass, so a value that itself holds "{{new}}" is passed as those bytes, not expanded again.
// Spaces inside the braces are allowed ("{{ zone }}"); any other "{{" is a config error, so a
// typo ("{{nmae}}") is caught when the config is read rather than sent to the server.

#include <optional>
#include <string>
#include <vector>

namespace hawatch::alerting::failover {

enum class TemplateField { zone, name, type, ttl, old_value, new_value };

// The values one run substitutes; in a query run old and new are empty.
struct TemplateValues {
  std::string zone;
  std::string name;
  std::string type;
  std::string ttl;
  std::string old_value;
  std::string new_value;
};

class ArgvTemplate {
 public:
  // Nullopt and `error` set when an argument has an unknown or unclosed placeholder, or one of
  // `forbidden` (e.g. {{old}} in a query command, which has no old value).
  static std::optional<ArgvTemplate> parse(const std::vector<std::string>& argv, std::string& error,
                                           const std::vector<TemplateField>& forbidden = {});

  std::vector<std::string> expand(const TemplateValues& values) const;
  bool empty() const { return args_.empty(); }

 private:
  struct Part {
    std::string literal;
    std::optional<TemplateField> field;  // set: this part is a placeholder
  };
  std::vector<std::vector<Part>> args_;
};

}  // namespace hawatch::alerting::failover
