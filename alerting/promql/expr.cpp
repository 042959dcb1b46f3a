// parse() and Expr: the public face of the parser.
#include <bit>
#include <cstring>

#include "ast.h"
#include "parser.h"
#include "promql.h"
#include "regex.h"

namespace hawatch::promql {

struct ExprAccess {
  static Expr make(NodePtr root, std::string text) {
    Expr e;
    e.root_ = std::shared_ptr<const Node>(std::move(root));
    e.text_ = std::make_shared<const std::string>(std::move(text));
    return e;
  }
};

std::string_view Expr::text() const {
  return text_ ? std::string_view(*text_) : std::string_view();
}

std::string_view Expr::type_name() const {
  return root_ ? value_type_short_name(root_->type) : std::string_view();
}

std::variant<Expr, ParseError> parse(std::string_view text) {
  auto tree = parse_tree(text);
  if (auto* error = std::get_if<ParseError>(&tree)) return std::move(*error);
  return ExprAccess::make(std::move(std::get<NodePtr>(tree)), std::string(text));
}

Matcher Matcher::make(MatchType type, std::string name, std::string value) {
  Matcher m;
  m.type = type;
  m.name = std::move(name);
  m.value = std::move(value);
  if (type == MatchType::regex || type == MatchType::not_regex)
    m.compiled = std::make_shared<const CompiledRegex>(m.value);
  return m;
}

bool Matcher::matches(std::string_view v) const {
  switch (type) {
    case MatchType::equal:
      return v == value;
    case MatchType::not_equal:
      return v != value;
    case MatchType::regex:
    case MatchType::not_regex: {
      const bool hit = compiled ? compiled->full_match(v) : CompiledRegex(value).full_match(v);
      return type == MatchType::regex ? hit : !hit;
    }
  }
  return false;
}

double stale_nan() {
  return std::bit_cast<double>(kStaleNaNBits);
}
bool is_stale_nan(double v) {
  return std::bit_cast<std::uint64_t>(v) == kStaleNaNBits;
}

}  // namespace hawatch::promql
