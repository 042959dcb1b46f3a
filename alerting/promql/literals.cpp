#include "literals.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace hawatch::promql {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
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

}  // namespace

std::optional<double> parse_number_literal(std::string_view text) {
  if (auto value = parse_prefixed_integer(text)) return value;
  return parse_decimal(text);
}

// One escape after '\' (Go's rules, as strconv.Unquote applies them afterwards in Prometheus).
bool decode_escape(std::string_view text, std::size_t& pos, char quote, std::string& out) {
  const auto peek = [&] { return pos < text.size() ? text[pos] : '\0'; };
  if (pos >= text.size()) return false;
  const char c = text[pos];
  const auto simple = [&](char v) {
    out += v;
    ++pos;
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
      ++pos;
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
  ++pos;
  std::uint32_t value = 0;
  for (int i = 0; i < digits; ++i) {
    const int h = hex_value(peek());
    if (h < 0) return false;
    value = value * 16 + static_cast<std::uint32_t>(h);
    ++pos;
  }
  if (c == 'x') {
    out += static_cast<char>(value);
    return true;
  }
  if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return false;
  append_utf8(out, value);
  return true;
}

}  // namespace hawatch::promql
