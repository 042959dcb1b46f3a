#pragma once
// Builds the node tree from tokens and checks what Go's parser checks: functions defined,
// variables declared, {{if}}/{{with}}/{{range}} closed by {{end}}, nesting bounded.

#include <functional>
#include <string>
#include <string_view>

#include "ast.h"

namespace hawatch::tmpl::detail {

inline constexpr int kMaxNesting = 100;

// Throws SyntaxError. is_function says whether a name is a known function.
Tree parse_tree(std::string name, std::string_view source,
                const std::function<bool(std::string_view)>& is_function);

}  // namespace hawatch::tmpl::detail
