#include "matchers/matcher.h"

#include <re2/re2.h>

#include <algorithm>
#include <tuple>

namespace hawatch::alerting {

std::string_view to_string(MatchType type) {
  switch (type) {
    case MatchType::equal:
      return "=";
    case MatchType::not_equal:
      return "!=";
    case MatchType::regex:
      return "=~";
    case MatchType::not_regex:
      return "!~";
  }
  return "?";
}

namespace {
std::shared_ptr<const re2::RE2> compile(const std::string& name, const std::string& pattern) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<re2::RE2>("^(?:" + pattern + ")$", options);
  if (!re->ok()) {
    throw MatcherError(name + ": bad regex \"" + pattern + "\": " + re->error(), 1);
  }
  return re;
}
}  // namespace

Matcher::Matcher(MatchType type, std::string name, std::string value)
    : type_(type), name_(std::move(name)), value_(std::move(value)) {
  if (type_ == MatchType::regex || type_ == MatchType::not_regex) regex_ = compile(name_, value_);
}

bool Matcher::matches(std::string_view value) const {
  switch (type_) {
    case MatchType::equal:
      return value == value_;
    case MatchType::not_equal:
      return value != value_;
    case MatchType::regex:
      return re2::RE2::FullMatch(value, *regex_);
    case MatchType::not_regex:
      return !re2::RE2::FullMatch(value, *regex_);
  }
  return false;
}

bool Matcher::matches(const LabelSet& labels) const {
  auto it = labels.find(std::string_view(name_));
  return matches(it == labels.end() ? std::string_view() : std::string_view(it->second));
}

std::string Matcher::to_string() const {
  std::string out = name_;
  out += alerting::to_string(type_);
  out += '"';
  for (char c : value_) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out + '"';
}

bool operator<(const Matcher& a, const Matcher& b) {
  return std::tie(a.name_, a.type_, a.value_) < std::tie(b.name_, b.type_, b.value_);
}

bool matches_all(const Matchers& matchers, const LabelSet& labels) {
  return std::all_of(matchers.begin(), matchers.end(),
                     [&](const Matcher& m) { return m.matches(labels); });
}

std::string to_string(const Matchers& matchers) {
  std::string out = "{";
  for (std::size_t i = 0; i < matchers.size(); ++i) {
    if (i) out += ',';
    out += matchers[i].to_string();
  }
  return out + "}";
}

void sort_matchers(Matchers& matchers) {
  std::sort(matchers.begin(), matchers.end());
}

}  // namespace hawatch::alerting
