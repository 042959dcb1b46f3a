#include "lexer.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace hawatch::tmpl::detail {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<Token> run() {
    while (i_ < s_.size()) {
      const std::size_t open = s_.find("{{", i_);
      std::size_t text_end = open == std::string_view::npos ? s_.size() : open;
      const bool trim_left = open != std::string_view::npos && open + 3 < s_.size() &&
                             s_[open + 2] == '-' && is_space(s_[open + 3]);
      std::string_view text = s_.substr(i_, text_end - i_);
      if (trim_left)
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
      if (!text.empty()) out_.push_back({Tok::text, i_, std::string(text), false});
      if (open == std::string_view::npos) break;
      i_ = open + (trim_left ? 3 : 2);
      lex_action(open);
    }
    out_.push_back({Tok::eof, s_.size(), "", false});
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw SyntaxError(line(), message); }
  int line() const {
    return 1 + static_cast<int>(std::count(
                   s_.begin(), s_.begin() + static_cast<long>(std::min(i_, s_.size())), '\n'));
  }

  // Returns the length of the right delimiter at i_ ("}}" or " -}}"), 0 if none.
  std::size_t right_delim(bool* trim) const {
    if (s_.substr(i_, 2) == "}}") {
      *trim = false;
      return 2;
    }
    if (i_ + 3 < s_.size() + 0 && is_space(s_[i_]) && s_.substr(i_ + 1, 3) == "-}}") {
      *trim = true;
      return 4;
    }
    return 0;
  }

  void skip_trimmed_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }

  void lex_comment() {
    const std::size_t end = s_.find("*/", i_);
    if (end == std::string_view::npos) fail("unclosed comment");
    i_ = end + 2;
    bool trim = false;
    const std::size_t n = right_delim(&trim);
    if (n == 0) fail("comment ends before closing delimiter");
    i_ += n;
    if (trim) skip_trimmed_space();
  }

  void lex_action(std::size_t open) {
    // A comment may follow "{{" or "{{- " directly.
    std::size_t j = i_;
    while (j < s_.size() && is_space(s_[j]) && j > open + 2) ++j;
    if (s_.substr(j, 2) == "/*") {
      i_ = j + 2;
      lex_comment();
      return;
    }
    out_.push_back({Tok::left, open, "{{", false});
    int paren_depth = 0;
    bool space = false;
    while (true) {
      if (i_ >= s_.size()) fail("unclosed action");
      bool trim = false;
      if (const std::size_t n = right_delim(&trim); n > 0) {
        if (paren_depth > 0) fail("unclosed left paren");
        out_.push_back({Tok::right, i_, "}}", space});
        i_ += n;
        if (trim) skip_trimmed_space();
        return;
      }
      const char c = s_[i_];
      if (is_space(c)) {
        if (c == '\n') fail("unclosed action");
        ++i_;
        space = true;
        continue;
      }
      const std::size_t start = i_;
      Tok kind;
      if (c == '|') {
        kind = Tok::pipe;
        ++i_;
      } else if (c == '(') {
        kind = Tok::lparen;
        ++i_;
        ++paren_depth;
      } else if (c == ')') {
        if (--paren_depth < 0) fail("unexpected \")\" in command");
        kind = Tok::rparen;
        ++i_;
      } else if (c == ',') {
        kind = Tok::comma;
        ++i_;
      } else if (c == ':' && s_.substr(i_, 2) == ":=") {
        kind = Tok::declare;
        i_ += 2;
      } else if (c == '=') {
        kind = Tok::assign;
        ++i_;
      } else if (c == '"') {
        kind = Tok::string;
        lex_quoted('"');
      } else if (c == '`') {
        kind = Tok::string;
        const std::size_t end = s_.find('`', i_ + 1);
        if (end == std::string_view::npos) fail("unterminated raw quoted string");
        i_ = end + 1;
      } else if (c == '\'') {
        kind = Tok::char_const;
        lex_quoted('\'');
      } else if (c == '$') {
        kind = Tok::variable;
        ++i_;
        while (i_ < s_.size() && is_alnum(s_[i_])) ++i_;
        lex_chain();
      } else if (c == '.' && (i_ + 1 >= s_.size() || !is_alnum(s_[i_ + 1]))) {
        kind = Tok::dot;
        ++i_;
      } else if (c == '.' && !std::isdigit(static_cast<unsigned char>(s_[i_ + 1]))) {
        kind = Tok::field;
        lex_chain();
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.') {
        kind = Tok::number;
        ++i_;
        while (i_ < s_.size() &&
               (is_alnum(s_[i_]) || s_[i_] == '.' ||
                ((s_[i_] == '-' || s_[i_] == '+') && std::strchr("eEpP", s_[i_ - 1]))))
          ++i_;
      } else if (is_alnum(c)) {
        while (i_ < s_.size() && is_alnum(s_[i_])) ++i_;
        const std::string_view word = s_.substr(start, i_ - start);
        kind = word == "true" || word == "false" ? Tok::boolean
               : word == "nil"                   ? Tok::nil
                                                 : Tok::ident;
      } else {
        fail(std::string("unexpected \"") + c + "\" in command");
      }
      out_.push_back({kind, start, std::string(s_.substr(start, i_ - start)), space});
      space = false;
    }
  }

  void lex_quoted(char quote) {
    ++i_;
    while (true) {
      if (i_ >= s_.size() || s_[i_] == '\n')
        fail(quote == '"' ? "unterminated quoted string" : "unterminated character constant");
      if (s_[i_] == '\\') {
        i_ += 2;
        continue;
      }
      if (s_[i_++] == quote) return;
    }
  }

  // ".a.b" after a variable or as a field: consumed into the same token.
  void lex_chain() {
    while (i_ + 1 < s_.size() && s_[i_] == '.' && is_alnum(s_[i_ + 1])) {
      ++i_;
      while (i_ < s_.size() && is_alnum(s_[i_])) ++i_;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> lex(std::string_view source) {
  return Lexer(source).run();
}

}  // namespace hawatch::tmpl::detail
