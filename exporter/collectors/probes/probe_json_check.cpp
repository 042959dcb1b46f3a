// The JSON check language's parser: plain text in, JsonCheck out (no JSON library needed, so it
// can be fuzzed on its own).
#include <cctype>
#include <charconv>
#include <cmath>

#include "probe_json_check.h"

namespace hawatch::probe {
namespace {

bool is_key_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$' || c == '@';
}

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<std::vector<JsonPathStep>> parse_path(std::string_view s, std::string* error) {
  std::vector<JsonPathStep> steps;
  std::size_t i = 0;
  bool expect_key = true;
  while (i < s.size()) {
    if (s[i] == '[') {
      const auto close = s.find(']', i);
      std::size_t index = 0;
      const char* first = s.data() + i + 1;
      const char* last = s.data() + (close == std::string_view::npos ? s.size() : close);
      auto [ptr, ec] = std::from_chars(first, last, index);
      if (close == std::string_view::npos || ec != std::errc{} || ptr != last || first == last) {
        *error = "bad array index in field path \"" + std::string(s) + "\"";
        return std::nullopt;
      }
      steps.push_back({{}, index});
      i = close + 1;
      expect_key = false;
      continue;
    }
    if (s[i] == '.') {
      if (expect_key) break;  // ".." or a leading '.'
      ++i;
      expect_key = true;
      continue;
    }
    if (!expect_key && !steps.empty()) break;  // e.g. "a[0]b"
    std::size_t j = i;
    while (j < s.size() && is_key_char(s[j])) ++j;
    if (j == i) break;
    steps.push_back({std::string(s.substr(i, j - i)), std::nullopt});
    i = j;
    expect_key = false;
  }
  if (i != s.size() || expect_key || steps.empty()) {
    *error = "bad field path \"" + std::string(s) + "\" (expected e.g. status or a.b[0].c)";
    return std::nullopt;
  }
  return steps;
}

std::optional<JsonLiteral> parse_literal(std::string_view s, std::string* error) {
  if (s == "true") return JsonLiteral{true};
  if (s == "false") return JsonLiteral{false};
  if (s == "null") return JsonLiteral{JsonNull{}};
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    std::string out;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      if (s[i] == '\\' && i + 2 < s.size()) ++i;
      out += s[i];
    }
    return JsonLiteral{out};
  }
  double number = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), number);
  if (!s.empty() && ec == std::errc{} && ptr == s.data() + s.size() && std::isfinite(number))
    return JsonLiteral{number};
  *error = "bad value \"" + std::string(s) + "\" (expected true, false, null, a number or a \"string\")";
  return std::nullopt;
}

}  // namespace

std::optional<JsonCheck> parse_json_check(std::string_view text, std::string* error) {
  std::string ignored;
  if (!error) error = &ignored;
  static const std::pair<std::string_view, JsonOp> kOps[] = {
      {"==", JsonOp::eq}, {"!=", JsonOp::ne}, {"<=", JsonOp::le},
      {">=", JsonOp::ge}, {"<", JsonOp::lt},  {">", JsonOp::gt}};
  // The operator is the first one outside a quoted literal; paths cannot contain quotes.
  const auto quote = text.find_first_of("\"'");
  const auto head = text.substr(0, quote);
  std::size_t best = std::string_view::npos;
  std::string_view best_op;
  JsonOp op = JsonOp::eq;
  for (const auto& [spelling, kind] : kOps) {
    const auto pos = head.find(spelling);
    if (pos < best) {
      best = pos;
      best_op = spelling;
      op = kind;
    }
  }
  if (best == std::string_view::npos) {
    *error = "JSON check \"" + std::string(text) + "\" has no operator (==, !=, <, <=, >, >=)";
    return std::nullopt;
  }
  JsonCheck check;
  check.text = std::string(trim_view(text));
  check.op = op;
  auto path = parse_path(trim_view(text.substr(0, best)), error);
  if (!path) return std::nullopt;
  check.path = std::move(*path);
  auto literal = parse_literal(trim_view(text.substr(best + best_op.size())), error);
  if (!literal) return std::nullopt;
  check.expected = std::move(*literal);
  const bool ordered = op != JsonOp::eq && op != JsonOp::ne;
  if (ordered && !std::holds_alternative<double>(check.expected) &&
      !std::holds_alternative<std::string>(check.expected)) {
    *error = "JSON check \"" + check.text + "\": " + std::string(best_op) +
             " needs a number or a string";
    return std::nullopt;
  }
  return check;
}

}  // namespace hawatch::probe
