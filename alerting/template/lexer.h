#pragma once
// Splits template text into text runs and action tokens, as Go's text/template lexer does
// ({{- and -}} trim the neighbouring whitespace, {{/* */}} is a comment). Linear in the input.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hawatch::tmpl::detail {

enum class Tok {
  text,
  left,
  right,
  ident,
  variable,
  field,
  dot,
  number,
  string,
  char_const,
  boolean,
  nil,
  pipe,
  lparen,
  rparen,
  declare,
  assign,
  comma,
  eof
};

struct Token {
  Tok kind = Tok::eof;
  std::size_t pos = 0;
  std::string text;           // the source spelling (for text: the trimmed run)
  bool space_before = false;  // inside actions: separated from the previous token
};

// A refused template: the line and Go's message (without the "template: NAME:LINE: " head).
struct SyntaxError : std::runtime_error {
  int line;
  SyntaxError(int l, const std::string& message) : std::runtime_error(message), line(l) {}
};

std::vector<Token> lex(std::string_view source);

}  // namespace hawatch::tmpl::detail
