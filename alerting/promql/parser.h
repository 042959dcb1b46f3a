#pragma once
// PromQL parser: tokens -> syntax tree by precedence climbing (Pratt), with Prometheus' operator
// precedence (or < and/unless < comparisons < + - < * / % < ^, ^ right-associative, unary minus
// binding like *), then the same type checks as Prometheus' checkAST. Refuses what hawatch does
// not evaluate (the @ modifier, atan2, functions outside the subset) with a ParseError.

#include <string_view>
#include <variant>

#include "ast.h"
#include "promql.h"

namespace hawatch::promql {

std::variant<NodePtr, ParseError> parse_tree(std::string_view text);

}  // namespace hawatch::promql
