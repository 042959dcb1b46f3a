#pragma once
// Prometheus' rule-file format (rulefmt), read and checked as `promtool check rules` checks it:
// unknown keys refused, group names unique per file, record names valid metric names, label
// names valid, templates parse, expressions parse (with the engine's parser). Every error is
// FILE:LINE:COL: message, an expression's error pointing at its token inside the YAML scalar.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "duration.h"
#include "promql/promql.h"
#include "source_error.h"
#include "template/template.h"
#include "yaml_guard.h"

namespace hawatch::rules {

using NamedValues = std::vector<std::pair<std::string, std::string>>;  // sorted by name

struct RuleSpec {
  enum class Kind { alerting, recording };
  Kind kind = Kind::alerting;
  std::string name;  // the alert or record name
  std::string expr_text;
  promql::Expr expr;
  Millis for_duration{0};
  Millis keep_firing_for{0};  // hawatch's extension (Prometheus 2.45+); promtool 2.42 refuses it
  NamedValues labels;
  NamedValues annotations;
  // Alerting rules: parsed templates of labels and annotations, in the same order.
  std::vector<tmpl::AlertTemplate> label_templates;
  std::vector<tmpl::AlertTemplate> annotation_templates;
  int line = 0;
  int column = 0;
};

struct GroupSpec {
  std::string file;
  std::string name;
  std::optional<Millis> interval;  // unset: the global evaluation interval
  std::size_t limit = 0;           // 0: no limit
  std::vector<RuleSpec> rules;
  int line = 0;
  int column = 0;
};

struct RuleFileLimits {
  YamlLimits yaml;
  std::size_t max_groups = 1'000;
  std::size_t max_rules = 10'000;  // over all groups of all files read together
};

struct RuleFiles {
  std::vector<GroupSpec> groups;
  std::vector<FileError> errors;
  std::vector<std::string> files;  // the files read, after glob expansion
  bool ok() const { return errors.empty(); }
};

// One file's text; `file` names it in errors.
RuleFiles parse_rule_file(std::string_view text, const std::string& file,
                          const RuleFileLimits& limits = {});

// rule_files entries: globs (relative ones resolved against base_dir), each file read and checked.
// A pattern matching nothing is not an error (as Prometheus); it is listed in *unmatched.
RuleFiles read_rule_files(const std::vector<std::string>& patterns, const std::string& base_dir,
                          const RuleFileLimits& limits = {},
                          std::vector<std::string>* unmatched = nullptr);

// filepath.Glob's result for one pattern: sorted matches; a pattern without wildcards matches
// itself when the file exists. Throws nothing; a bad pattern matches nothing.
std::vector<std::string> glob_files(const std::string& pattern);

}  // namespace hawatch::rules
