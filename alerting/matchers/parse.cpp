#include "matchers/parse.h"

#include <string>

#include "model/utf8.h"

namespace hawatch::alerting {

namespace {

// Go's \s in RE2 syntax: [\t\n\f\r ].
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

class MatcherParser {
 public:
  // `offset` is where `text` starts within the whole input, for columns.
  MatcherParser(std::string_view text, std::string_view whole, std::size_t offset,
                std::string_view source)
      : text_(text), whole_(whole), offset_(offset), source_(source) {}

  Matcher parse() {
    std::size_t i = skip_spaces(0);
    const std::size_t name_start = i;
    if (i >= text_.size() || !is_name_start(text_[i])) fail(i, "expected a label name");
    while (i < text_.size() && is_name_char(text_[i])) ++i;
    std::string name(text_.substr(name_start, i - name_start));
    i = skip_spaces(i);
    const MatchType type = parse_operator(i);
    i = skip_spaces(i);
    std::size_t end = text_.size();
    while (end > i && is_space(text_[end - 1])) --end;
    std::string value = unescape(i, end);
    try {
      return Matcher(type, std::move(name), std::move(value));
    } catch (const MatcherError& e) {
      // "name: bad regex ..." from the constructor; the name is in the quoted input already.
      const std::string what = e.what();
      fail(i, what.substr(what.find(": ") + 2));
    }
  }

 private:
  std::size_t skip_spaces(std::size_t i) const {
    while (i < text_.size() && is_space(text_[i])) ++i;
    return i;
  }

  MatchType parse_operator(std::size_t& i) const {
    auto at = [&](std::size_t k) { return k < text_.size() ? text_[k] : '\0'; };
    if (at(i) == '=' && at(i + 1) == '~') {
      i += 2;
      return MatchType::regex;
    }
    if (at(i) == '=') {
      i += 1;
      return MatchType::equal;
    }
    if (at(i) == '!' && at(i + 1) == '=') {
      i += 2;
      return MatchType::not_equal;
    }
    if (at(i) == '!' && at(i + 1) == '~') {
      i += 2;
      return MatchType::not_regex;
    }
    fail(i, "expected one of =, !=, =~, !~");
  }

  std::string unescape(std::size_t begin, std::size_t end) const {
    const bool quoted = begin < end && text_[begin] == '"';
    std::size_t i = quoted ? begin + 1 : begin;
    if (!valid_utf8(text_.substr(i, end - i))) fail(i, "value is not valid UTF-8");
    std::string value;
    bool closed = !quoted;
    for (; i < end; ++i) {
      const char c = text_[i];
      if (c == '\\' && i + 1 < end) {
        const char next = text_[++i];
        if (next == 'n') {
          value += '\n';
        } else if (next == '"' || next == '\\') {
          value += next;
        } else {  // a spurious escape: the backslash is literal
          value += '\\';
          value += next;
        }
      } else if (c == '"') {
        if (!quoted || i + 1 != end) fail(i, "unescaped double quote in value");
        closed = true;
      } else {
        value += c;
      }
    }
    if (!closed) fail(end, "missing closing double quote");
    return value;
  }

  [[noreturn]] void fail(std::size_t i, std::string_view what) const {
    const std::size_t column = offset_ + i + 1;
    throw MatcherError(std::string(source_) + ": matcher \"" + std::string(whole_) +
                           "\": at column " + std::to_string(column) + ": " + std::string(what),
                       column);
  }

  std::string_view text_;
  std::string_view whole_;
  std::size_t offset_;
  std::string_view source_;
};

constexpr std::size_t kMaxMatcherText = 64 * 1024;

void check_size(std::string_view text, std::string_view source) {
  if (text.size() > kMaxMatcherText) {
    throw MatcherError(std::string(source) + ": matcher text longer than " +
                           std::to_string(kMaxMatcherText) + " bytes",
                       1);
  }
}

}  // namespace

Matcher parse_matcher(std::string_view text, std::string_view source) {
  check_size(text, source);
  return MatcherParser(text, text, 0, source).parse();
}

Matchers parse_matchers(std::string_view text, std::string_view source) {
  check_size(text, source);
  std::size_t begin = 0, end = text.size();
  if (begin < end && text[begin] == '{') ++begin;
  if (end > begin && text[end - 1] == '}') --end;
  Matchers out;
  bool inside_quotes = false, escaped = false;
  std::size_t token_start = begin;
  auto emit = [&](std::size_t stop, bool last) {
    std::string_view token = text.substr(token_start, stop - token_start);
    bool blank = true;
    for (char c : token) blank = blank && is_space(c);
    // Like Alertmanager: empty tokens between commas are errors, a blank last one is not.
    if (!(last && blank)) out.push_back(MatcherParser(token, text, token_start, source).parse());
  };
  for (std::size_t i = begin; i < end; ++i) {
    const char c = text[i];
    if (c == ',' && !inside_quotes) {
      emit(i, false);
      token_start = i + 1;
      escaped = false;
      continue;
    }
    if (c == '"') {
      if (!escaped) inside_quotes = !inside_quotes;
      escaped = false;
    } else if (c == '\\') {
      escaped = !escaped;
    } else {
      escaped = false;
    }
  }
  emit(end, true);
  return out;
}

Matchers matchers_from_maps(const LabelSet& match, const LabelSet& match_re) {
  Matchers out;
  for (const auto& [name, value] : match) out.emplace_back(MatchType::equal, name, value);
  for (const auto& [name, value] : match_re) out.emplace_back(MatchType::regex, name, value);
  return out;
}

}  // namespace hawatch::alerting
