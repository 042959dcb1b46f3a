#pragma once
// JSON field checks for HTTP probes, e.g. `available == true`, `mock == false`,
// `status == "healthy"`, `workers[0].queue < 10`. Pure: text in, result out.
//
// Grammar: PATH OP LITERAL, where PATH is dot-separated keys with optional [index] parts,
// OP is one of == != < <= > >=, and LITERAL is true, false, null, a number or a "string".
// Comparisons are typed: `available == true` fails when available is the string "true".

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hawatch::probe {

struct JsonPathStep {
  std::string key;               // empty when this step is an array index
  std::optional<std::size_t> index;
};

enum class JsonOp { eq, ne, lt, le, gt, ge };

struct JsonNull {
  bool operator==(const JsonNull&) const = default;
};
using JsonLiteral = std::variant<JsonNull, bool, double, std::string>;

struct JsonCheck {
  std::string text;  // as written, for labels and messages
  std::vector<JsonPathStep> path;
  JsonOp op = JsonOp::eq;
  JsonLiteral expected;
};

// Returns nullopt and sets `error` for text that is not a valid check.
std::optional<JsonCheck> parse_json_check(std::string_view text, std::string* error);

struct JsonCheckResult {
  bool passed = false;
  std::string detail;  // why it failed (missing field, wrong type, actual value)
};

// Parses `body` as JSON and evaluates every check on it. When the body is not JSON, every check
// fails and `body_error` says why.
std::vector<JsonCheckResult> evaluate_json_checks(const std::vector<JsonCheck>& checks,
                                                  const std::string& body, std::string* body_error);

}  // namespace hawatch::probe
