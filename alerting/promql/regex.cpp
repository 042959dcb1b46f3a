#include "regex.h"

#include <re2/re2.h>

#include <map>
#include <stdexcept>

namespace hawatch::promql {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Go's regexp.extract: the name after '$' (in braces or the longest run of name characters) and
// how many template bytes it took; false when '$' is not followed by a usable name.
bool extract_name(std::string_view tmpl, std::string_view& name, std::size_t& consumed) {
  if (tmpl.size() < 2 || tmpl[0] != '$') return false;
  const bool brace = tmpl[1] == '{';
  std::size_t i = brace ? 2 : 1;
  const std::size_t start = i;
  while (i < tmpl.size() && is_name_char(tmpl[i])) ++i;
  if (i == start) return false;
  name = tmpl.substr(start, i - start);
  if (brace) {
    if (i >= tmpl.size() || tmpl[i] != '}') return false;
    ++i;
  }
  consumed = i;
  return true;
}

// Go's group number rule: all digits, below 1e8 and no leading zero, else it is a name.
int group_number(std::string_view name) {
  if (name.size() > 1 && name[0] == '0') return -1;
  long num = 0;
  for (const char c : name) {
    if (c < '0' || c > '9' || num >= 100000000) return -1;
    num = num * 10 + (c - '0');
  }
  return static_cast<int>(num);
}

// RE2 accepts \C (any byte); Go's regexp, and so Prometheus, refuses it.
void refuse_go_invalid(std::string_view pattern) {
  for (std::size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (pattern[i + 1] == 'C')
      throw std::invalid_argument("error parsing regexp: invalid escape sequence: `\\C`");
    ++i;  // skip the escaped character, so \\C is a backslash and a C
  }
}

}  // namespace

CompiledRegex::CompiledRegex(std::string_view pattern) {
  refuse_go_invalid(pattern);
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);
  re_ = std::make_unique<RE2>("^(?:" + std::string(pattern) + ")$", options);
  if (!re_->ok()) throw std::invalid_argument("error parsing regexp: " + re_->error());
}

CompiledRegex::~CompiledRegex() = default;

bool CompiledRegex::full_match(std::string_view text) const {
  return RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

bool CompiledRegex::expand(std::string_view text, std::string_view replacement, std::string& out,
                           std::size_t max_size) const {
  const int groups = re_->NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> match(static_cast<std::size_t>(groups));
  const re2::StringPiece input(text.data(), text.size());
  if (!re_->Match(input, 0, input.size(), RE2::ANCHOR_BOTH, match.data(), groups)) return false;
  const auto& named = re_->NamedCapturingGroups();
  out.clear();
  const auto append = [&](std::string_view piece) {
    if (out.size() + piece.size() > max_size) throw std::length_error("label value too long");
    out.append(piece);
  };
  std::string_view rest = replacement;
  while (!rest.empty()) {
    const auto dollar = rest.find('$');
    if (dollar == std::string_view::npos) {
      append(rest);
      break;
    }
    append(rest.substr(0, dollar));
    rest.remove_prefix(dollar);
    if (rest.size() > 1 && rest[1] == '$') {
      append("$");
      rest.remove_prefix(2);
      continue;
    }
    std::string_view name;
    std::size_t consumed = 0;
    if (!extract_name(rest, name, consumed)) {
      append("$");  // malformed: '$' is literal text, as in Go
      rest.remove_prefix(1);
      continue;
    }
    rest.remove_prefix(consumed);
    int index = group_number(name);
    if (index < 0) {
      const auto it = named.find(std::string(name));
      index = it == named.end() ? -1 : it->second;
    }
    if (index >= 0 && index < groups && match[static_cast<std::size_t>(index)].data() != nullptr) {
      const auto& m = match[static_cast<std::size_t>(index)];
      append(std::string_view(m.data(), m.size()));
    }
  }
  return true;
}

}  // namespace hawatch::promql
