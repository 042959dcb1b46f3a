#include "lexer.h"

#include <cctype>
#include <cmath>

#include "literals.h"

namespace hawatch::promql {
namespace {

bool is_alpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  LexResult run() {
    LexResult result;
    while (true) {
      skip_space_and_comments();
      if (pos_ >= text_.size()) break;
      if (!next_token(result)) {
        result.ok = false;
        return result;
      }
    }
    Token end;
    end.kind = TokenKind::end;
    end.offset = text_.size();
    result.tokens.push_back(end);
    return result;
  }

 private:
  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }

  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      if (is_space(text_[pos_])) {
        ++pos_;
      } else if (text_[pos_] == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  bool fail(LexResult& result, std::size_t start, std::string message) {
    result.error.offset = start;
    const auto end = std::min(text_.size(), std::max(pos_, start + 1));
    result.error.token = std::string(text_.substr(start, end - start));
    result.error.message = std::move(message);
    return false;
  }

  void emit(LexResult& result, TokenKind kind, std::size_t start) {
    Token token;
    token.kind = kind;
    token.offset = start;
    token.text = std::string(text_.substr(start, pos_ - start));
    if (kind == TokenKind::left_brace) in_braces_ = true;
    if (kind == TokenKind::right_brace) in_braces_ = false;
    if (kind == TokenKind::left_bracket) in_brackets_ = true;
    if (kind == TokenKind::right_bracket) in_brackets_ = false;
    result.tokens.push_back(std::move(token));
  }

  bool next_token(LexResult& result) {
    const std::size_t start = pos_;
    const char c = peek();
    if (c == '"' || c == '\'' || c == '`') return lex_string(result);
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return lex_number_or_duration(result);
    if (is_alpha(c) || (c == ':' && !in_brackets_ && !in_braces_)) return lex_identifier(result);
    const auto two = [&](char second) { return peek(1) == second; };
    TokenKind kind;
    std::size_t len = 1;
    switch (c) {
      case '(':
        kind = TokenKind::left_paren;
        break;
      case ')':
        kind = TokenKind::right_paren;
        break;
      case '{':
        kind = TokenKind::left_brace;
        break;
      case '}':
        kind = TokenKind::right_brace;
        break;
      case '[':
        kind = TokenKind::left_bracket;
        break;
      case ']':
        kind = TokenKind::right_bracket;
        break;
      case ',':
        kind = TokenKind::comma;
        break;
      case ':':
        kind = TokenKind::colon;
        break;
      case '+':
        kind = TokenKind::add;
        break;
      case '-':
        kind = TokenKind::sub;
        break;
      case '*':
        kind = TokenKind::mul;
        break;
      case '/':
        kind = TokenKind::div;
        break;
      case '%':
        kind = TokenKind::mod;
        break;
      case '^':
        kind = TokenKind::pow;
        break;
      case '@':
        kind = TokenKind::at;
        break;
      case '=':
        if (two('=')) {
          kind = TokenKind::eql, len = 2;
        } else if (two('~')) {
          kind = TokenKind::regex_match, len = 2;
        } else {
          kind = TokenKind::assign;
        }
        break;
      case '!':
        if (two('=')) {
          kind = TokenKind::neq, len = 2;
        } else if (two('~')) {
          kind = TokenKind::regex_not_match, len = 2;
        } else {
          ++pos_;
          return fail(result, start, "unexpected character after '!'");
        }
        break;
      case '>':
        kind = two('=') ? (len = 2, TokenKind::gte) : TokenKind::gtr;
        break;
      case '<':
        kind = two('=') ? (len = 2, TokenKind::lte) : TokenKind::lss;
        break;
      default:
        ++pos_;
        return fail(result, start, "unexpected character");
    }
    pos_ += len;
    emit(result, kind, start);
    return true;
  }

  bool lex_identifier(LexResult& result) {
    const std::size_t start = pos_;
    bool has_colon = false;
    // Inside braces only label names occur, and those never contain ':'.
    while (pos_ < text_.size() && (is_alnum(text_[pos_]) || (text_[pos_] == ':' && !in_braces_))) {
      has_colon = has_colon || text_[pos_] == ':';
      ++pos_;
    }
    const auto word = text_.substr(start, pos_ - start);
    std::string lower(word);
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (!in_braces_ && (lower == "inf" || lower == "nan")) {
      emit(result, TokenKind::number, start);
      result.tokens.back().number = lower == "inf" ? HUGE_VAL : std::nan("");
      return true;
    }
    emit(result, has_colon ? TokenKind::metric_identifier : TokenKind::identifier, start);
    return true;
  }

  void accept_run(std::string_view chars) {
    while (pos_ < text_.size() && chars.find(text_[pos_]) != std::string_view::npos) ++pos_;
  }
  bool accept(std::string_view chars) {
    if (pos_ < text_.size() && chars.find(text_[pos_]) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }

  // lex.go's scanNumber: true when the number ends at a non-alphanumeric character.
  bool scan_number() {
    std::string_view digits = "0123456789";
    if (accept("0") && accept("xX")) digits = "0123456789abcdefABCDEF";
    accept_run(digits);
    if (accept(".")) accept_run(digits);
    if (accept("eE")) {
      accept("+-");
      accept_run("0123456789");
    }
    return !is_alnum(peek());
  }

  // lex.go's acceptRemainingDuration: units y w d h m s ms, numbers between them.
  bool accept_remaining_duration() {
    if (!accept("smhdwy")) return false;
    accept("s");
    while (accept("0123456789")) {
      accept_run("0123456789");
      if (!accept("smhdw")) return false;
      accept("s");
    }
    return !is_alnum(peek());
  }

  bool lex_number_or_duration(LexResult& result) {
    const std::size_t start = pos_;
    if (scan_number()) {
      const auto text = text_.substr(start, pos_ - start);
      const auto value = parse_number_literal(text);
      if (!value) return fail(result, start, "error parsing number");
      emit(result, TokenKind::number, start);
      result.tokens.back().number = *value;
      return true;
    }
    if (accept_remaining_duration()) {
      emit(result, TokenKind::duration, start);
      return true;
    }
    while (pos_ < text_.size() && is_alnum(text_[pos_])) ++pos_;
    return fail(result, start, "bad number or duration syntax");
  }

  bool lex_string(LexResult& result) {
    const std::size_t start = pos_;
    const char quote = text_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) return fail(result, start, "unterminated quoted string");
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (quote != '`' && c == '\n') return fail(result, start, "unterminated quoted string");
      if (quote != '`' && c == '\\') {
        const std::size_t escape_start = pos_;
        ++pos_;
        if (!decode_escape(text_, pos_, quote, value)) {
          pos_ = std::min(text_.size(), pos_ + 1);
          return fail(result, escape_start, "unknown escape sequence");
        }
        continue;
      }
      value += c;
      ++pos_;
    }
    emit(result, TokenKind::string, start);
    result.tokens.back().value = std::move(value);
    return true;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  bool in_braces_ = false;
  bool in_brackets_ = false;
};

}  // namespace

LexResult lex(std::string_view text) {
  return Lexer(text).run();
}

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::end:
      return "end of input";
    case TokenKind::identifier:
      return "identifier \"" + token.text + "\"";
    case TokenKind::metric_identifier:
      return "metric identifier \"" + token.text + "\"";
    case TokenKind::number:
      return "number \"" + token.text + "\"";
    case TokenKind::string:
      return "string " + token.text;
    case TokenKind::duration:
      return "duration \"" + token.text + "\"";
    default:
      return "\"" + token.text + "\"";
  }
}

}  // namespace hawatch::promql
