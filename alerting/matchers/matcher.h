#pragma once
// Alertmanager's label matchers (pkg/labels): name="value", name!="value", name=~"regex",
// name!~"regex". Regexes are fully anchored, as Alertmanager's "^(?:re)$", and run on RE2, so
// matching is linear in the label value whatever the pattern.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/alert.h"

namespace re2 {
class RE2;
}

namespace hawatch::alerting {

enum class MatchType { equal, not_equal, regex, not_regex };
std::string_view to_string(MatchType type);  // "=", "!=", "=~", "!~"

// A bad matcher: the message names the input, where it came from and the position.
class MatcherError : public std::runtime_error {
 public:
  MatcherError(std::string message, std::size_t column)
      : std::runtime_error(std::move(message)), column_(column) {}
  std::size_t column() const { return column_; }  // 1-based within the matcher text

 private:
  std::size_t column_;
};

class Matcher {
 public:
  // Throws MatcherError for a regex RE2 rejects.
  Matcher(MatchType type, std::string name, std::string value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool matches(std::string_view value) const;
  // An absent label matches as the empty string, as in Alertmanager.
  bool matches(const LabelSet& labels) const;
  // name="value" with the value escaped as OpenMetrics does (\\, \", \n).
  std::string to_string() const;

  // Alertmanager's order: name, then type, then value.
  friend bool operator<(const Matcher& a, const Matcher& b);
  friend bool operator==(const Matcher& a, const Matcher& b) {
    return a.type_ == b.type_ && a.name_ == b.name_ && a.value_ == b.value_;
  }

 private:
  MatchType type_;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> regex_;  // shared: matchers are copied into every route
};

using Matchers = std::vector<Matcher>;

bool matches_all(const Matchers& matchers, const LabelSet& labels);
// {a="b",c=~"d"}: the form route keys and group keys are built from.
std::string to_string(const Matchers& matchers);
void sort_matchers(Matchers& matchers);

}  // namespace hawatch::alerting
