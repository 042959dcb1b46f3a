#include "lexer.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <optional>

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
int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, char32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

// Go's strconv.ParseInt(s, 0, 64) for the forms the lexer lets through: 0x.. hex, 0.. octal.
std::optional<double> parse_prefixed_integer(std::string_view s) {
  int base = 10;
  std::size_t start = 0;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16, start = 2;
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8, start = 1;
  } else {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto* first = s.data() + start;
  const auto* last = s.data() + s.size();
  const auto res = std::from_chars(first, last, value, base);
  if (res.ec != std::errc() || res.ptr != last) return std::nullopt;
  return static_cast<double>(value);
}

// Go's strconv.ParseFloat for decimal forms; out of range is an error, as in Go.
std::optional<double> parse_decimal(std::string_view s) {
  double value = 0;
  const auto res = std::from_chars(s.data(), s.data() + s.size(), value);
  if (res.ptr != s.data() + s.size()) return std::nullopt;
  if (res.ec == std::errc::result_out_of_range) {
    // from_chars says out of range for underflow too; Go returns the rounded (zero) value there.
    const std::string copy(s);
    const double v = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(v)) return std::nullopt;
    return v;
  }
  if (res.ec != std::errc()) return std::nullopt;
  return value;
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
      auto value = parse_prefixed_integer(text);
      if (!value) value = parse_decimal(text);
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
        if (!lex_escape(quote, value)) {
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

  // One escape after '\' (Go's rules, as strconv.Unquote applies them afterwards in Prometheus).
  bool lex_escape(char quote, std::string& out) {
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_];
    const auto simple = [&](char v) {
      out += v;
      ++pos_;
      return true;
    };
    switch (c) {
      case 'a':
        return simple('\a');
      case 'b':
        return simple('\b');
      case 'f':
        return simple('\f');
      case 'n':
        return simple('\n');
      case 'r':
        return simple('\r');
      case 't':
        return simple('\t');
      case 'v':
        return simple('\v');
      case '\\':
        return simple('\\');
      default:
        break;
    }
    if (c == quote) return simple(c);
    if (c >= '0' && c <= '7') {
      unsigned value = 0;
      for (int i = 0; i < 3; ++i) {
        const char d = peek();
        if (d < '0' || d > '7') return false;
        value = value * 8 + static_cast<unsigned>(d - '0');
        ++pos_;
      }
      if (value > 255) return false;
      out += static_cast<char>(value);
      return true;
    }
    int digits = 0;
    if (c == 'x') digits = 2;
    if (c == 'u') digits = 4;
    if (c == 'U') digits = 8;
    if (digits == 0) return false;
    ++pos_;
    std::uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const int h = hex_value(peek());
      if (h < 0) return false;
      value = value * 16 + static_cast<std::uint32_t>(h);
      ++pos_;
    }
    if (c == 'x') {
      out += static_cast<char>(value);
      return true;
    }
    if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
    append_utf8(out, value);
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
