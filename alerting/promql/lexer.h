#pragma once
// PromQL's lexer: expression text -> tokens, one pass, no backtracking beyond one character.
// Follows Prometheus' promql/parser/lex.go: the same token boundaries (numbers vs durations,
// identifiers vs metric identifiers with ':'), the same string escapes, '#' comments.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::promql {

enum class TokenKind {
  end,
  identifier,         // [a-zA-Z_][a-zA-Z0-9_]*  (keywords too: the parser decides by context)
  metric_identifier,  // an identifier containing ':'
  number,             // decimal, hex, octal, Inf, NaN; value in Token::number
  string,             // "..." '...' `...`; the decoded value in Token::value
  duration,           // 5m, 1h30m, 10ms; the text in Token::text
  left_paren,
  right_paren,
  left_brace,
  right_brace,
  left_bracket,
  right_bracket,
  comma,
  colon,
  assign,  // =
  eql,     // ==
  neq,     // !=
  gtr,
  lss,
  gte,
  lte,
  regex_match,      // =~
  regex_not_match,  // !~
  add,
  sub,
  mul,
  div,
  mod,
  pow,
  at,
};

struct Token {
  TokenKind kind = TokenKind::end;
  std::size_t offset = 0;  // byte offset of the token in the expression text
  std::string text;        // the token as written
  std::string value;       // strings: the decoded value
  double number = 0;       // numbers: the value
};

// A lexical error: where, and what.
struct LexError {
  std::size_t offset = 0;
  std::string token;
  std::string message;
};

// Either all tokens (the last one `end`) or the first lexical error.
struct LexResult {
  std::vector<Token> tokens;
  bool ok = true;
  LexError error;
};

LexResult lex(std::string_view text);

// Human-readable description of a token for messages: `identifier "foo"`, `"("`, `end of input`.
std::string describe(const Token& token);

}  // namespace hawatch::promql
