#pragma once
// Fully anchored regular expressions in RE2 syntax (Go's regexp is RE2 too): linear time in the
// input, so a hostile rule or label value cannot make matching explode.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace hawatch::promql {

class CompiledRegex {
 public:
  // Compiles "^(?:pattern)$" as Prometheus does; throws std::invalid_argument with RE2's message.
  explicit CompiledRegex(std::string_view pattern);
  ~CompiledRegex();
  CompiledRegex(const CompiledRegex&) = delete;
  CompiledRegex& operator=(const CompiledRegex&) = delete;

  bool full_match(std::string_view text) const;
  // label_replace(): when text matches, the replacement with $1, ${1}, $name, ${name}, $$
  // expanded as Go's Regexp.ExpandString; nullopt-like false when it does not match.
  bool expand(std::string_view text, std::string_view replacement, std::string& out,
              std::size_t max_size) const;

 private:
  std::unique_ptr<re2::RE2> re_;
};

}  // namespace hawatch::promql
