#include "series_notation.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "names.h"
#include "template/go_fmt.h"

namespace hawatch::rules {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string at(std::size_t pos, const std::string& message) {
  return "1:" + std::to_string(pos + 1) + ": parse error: " + message;
}

// A PromQL string literal ("...", '...', `...`) with Go escapes; advances i past it.
std::optional<std::string> read_string(std::string_view s, std::size_t& i) {
  const char quote = s[i++];
  std::string out;
  while (i < s.size() && s[i] != quote) {
    if (s[i] == '\\' && quote != '`' && i + 1 < s.size()) {
      const char e = s[++i];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '\\':
          out += '\\';
          break;
        case '"':
          out += '"';
          break;
        case '\'':
          out += '\'';
          break;
        default:
          return std::nullopt;
      }
      ++i;
      continue;
    }
    out += s[i++];
  }
  if (i >= s.size()) return std::nullopt;
  ++i;
  return out;
}

// A PromQL number: decimal, exponent, hex, Inf, NaN, with an optional sign.
std::optional<double> read_number(std::string_view s, std::size_t& i) {
  std::size_t j = i;
  if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
  std::size_t k = j;
  while (k < s.size() && (std::isalnum(static_cast<unsigned char>(s[k])) || s[k] == '.' ||
                          ((s[k] == '+' || s[k] == '-') && (s[k - 1] == 'e' || s[k - 1] == 'E') &&
                           !(k >= 2 && (s[k - 2] == 'x' || s[k - 2] == 'X')))))
    ++k;
  // "1+2x3": the "x3" is not part of the number. In this notation 'x' always repeats, so
  // "0x1F" is 0 repeated "1F" times (a syntax error), as promtool reads it.
  std::string word(s.substr(j, k - j));
  if (const std::size_t x = word.find('x'); x != std::string::npos) word.resize(x);
  if (word.empty()) return std::nullopt;
  std::string lower;
  for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  double v;
  if (lower == "inf") {
    v = INFINITY;
  } else if (lower == "nan") {
    v = NAN;
  } else {
    char* end = nullptr;
    v = std::strtod(word.c_str(), &end);
    if (end != word.c_str() + word.size()) return std::nullopt;
  }
  if (s[i] == '-') v = -v;
  i = j + word.size();
  return v;
}

}  // namespace

std::variant<promql::Labels, std::string> parse_metric(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && is_space(s[i])) ++i;
  std::vector<promql::Label> labels;
  const std::size_t name_start = i;
  while (i < s.size() &&
         (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_' || s[i] == ':'))
    ++i;
  if (i > name_start) {
    const std::string name(s.substr(name_start, i - name_start));
    if (!is_valid_metric_name(name)) return at(name_start, "invalid metric name \"" + name + "\"");
    labels.push_back({"__name__", name});
  }
  while (i < s.size() && is_space(s[i])) ++i;
  if (i < s.size() && s[i] == '{') {
    ++i;
    while (true) {
      while (i < s.size() && is_space(s[i])) ++i;
      if (i < s.size() && s[i] == '}') {
        ++i;
        break;
      }
      const std::size_t ns = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      const std::string name(s.substr(ns, i - ns));
      if (!is_valid_label_name(name)) return at(ns, "unexpected character in label set");
      while (i < s.size() && is_space(s[i])) ++i;
      if (i >= s.size() || s[i] != '=') return at(i, "expected \"=\" in label set");
      ++i;
      while (i < s.size() && is_space(s[i])) ++i;
      if (i >= s.size() || (s[i] != '"' && s[i] != '\'' && s[i] != '`'))
        return at(i, "expected a quoted label value");
      auto value = read_string(s, i);
      if (!value) return at(i, "unterminated or invalid quoted string");
      for (const auto& l : labels)
        if (l.name == name) return at(ns, "label " + name + " is set twice");
      labels.push_back({name, *value});
      while (i < s.size() && is_space(s[i])) ++i;
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == '}') {
        ++i;
        break;
      }
      return at(i, "expected \",\" or \"}\" in label set");
    }
  }
  while (i < s.size() && is_space(s[i])) ++i;
  if (i != s.size())
    return at(i, "unexpected \"" + std::string(s.substr(i, 1)) + "\" after the series");
  if (labels.empty() && s.find('{') == std::string_view::npos)
    return at(0, "a series needs a name or labels");  // "{}" is the empty label set
  return promql::Labels(std::move(labels));
}

std::variant<std::vector<SeriesValue>, std::string> parse_series_values(std::string_view s) {
  std::vector<SeriesValue> out;
  std::size_t i = 0;
  std::size_t item = 0;  // where the current item starts: promtool reports errors there
  const auto read_count = [&](std::size_t& count) -> bool {
    if (i >= s.size() || s[i] != 'x') return false;
    ++i;
    const std::size_t start = i;
    count = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      count = count * 10 + static_cast<std::size_t>(s[i] - '0');
      if (count > kMaxSeriesValues) return false;
      ++i;
    }
    if (i < s.size() && !is_space(s[i]))
      throw std::pair<std::size_t, std::string>(
          item, "bad number syntax: \"" + std::string(s.substr(start, i - start)) + "\"");
    return i > start;
  };
  try {
    while (true) {
      while (i < s.size() && is_space(s[i])) ++i;
      if (i >= s.size()) break;
      const std::size_t start = i;
      item = start;
      if (s[i] == '_') {
        ++i;
        std::size_t n = 1;
        if (i < s.size() && s[i] == 'x' && !read_count(n))
          return at(i, "bad repetition count after _");
        out.insert(out.end(), n, SeriesValue{SeriesValue::Kind::omitted, 0});
      } else if (s.substr(i, 5) == "stale" && (i + 5 == s.size() || is_space(s[i + 5]))) {
        i += 5;
        out.push_back(SeriesValue{SeriesValue::Kind::stale, 0});
      } else {
        auto first = read_number(s, i);
        if (!first)
          return at(start, "bad number or duration syntax: \"" +
                               std::string(s.substr(start, s.find(' ', start) - start)) + "\"");
        double delta = 0;
        std::size_t n = 0;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
          auto d = read_number(s, i);
          if (!d) return at(i, "bad increment");
          delta = *d;
          if (!read_count(n)) return at(i, "expected \"x\" and a count after the increment");
        } else if (i < s.size() && s[i] == 'x') {
          if (!read_count(n)) return at(i, "bad repetition count");
        } else {
          out.push_back(SeriesValue{SeriesValue::Kind::value, *first});
          if (i < s.size() && !is_space(s[i]))
            return at(i, "unexpected character in series values");
          continue;
        }
        // axn and a+bxn give n+1 values (the first at time 0).
        double v = *first;
        for (std::size_t k = 0; k <= n; ++k) {
          out.push_back(SeriesValue{SeriesValue::Kind::value, v});
          v += delta;
        }
      }
      if (out.size() > kMaxSeriesValues)
        return at(start, "more than " + std::to_string(kMaxSeriesValues) + " values");
      if (i < s.size() && !is_space(s[i])) return at(i, "unexpected character in series values");
    }
  } catch (const std::pair<std::size_t, std::string>& e) {
    return at(e.first, e.second);
  }
  return out;
}

std::string format_sample_value(double v) {
  return tmpl::format_float(v, 'E', -1);
}

}  // namespace hawatch::rules
