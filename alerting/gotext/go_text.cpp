#include "go_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hawatch::gotext {
namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 for an invalid byte.
std::size_t utf8_length(std::string_view s, std::size_t i, char32_t& rune) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t len = 0;
  char32_t min = 0;
  if (b < 0x80) {
    rune = b;
    return 1;
  } else if ((b & 0xE0) == 0xC0) {
    len = 2, rune = b & 0x1F, min = 0x80;
  } else if ((b & 0xF0) == 0xE0) {
    len = 3, rune = b & 0x0F, min = 0x800;
  } else if ((b & 0xF8) == 0xF0) {
    len = 4, rune = b & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    rune = (rune << 6) | (c & 0x3F);
  }
  if (rune < min || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) return 0;
  return len;
}

void append_hex(std::string& out, const char* prefix, std::uint32_t value, int digits) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "%0*x", digits, value);
  out += prefix;
  out += buf.data();
}

// Go's unicode.IsPrint, approximated: controls (C0, DEL, C1) and a few format/separator runes
// are not printable; everything else valid is. Label values are almost always ASCII.
bool printable(char32_t r) {
  if (r < 0x20 || (r >= 0x7F && r < 0xA0)) return false;
  if (r == 0xAD || r == 0x2028 || r == 0x2029 || r == 0xFEFF) return false;
  if (r >= 0x200B && r <= 0x200F) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
  return true;
}

}  // namespace

std::string go_quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    char32_t r = 0;
    const auto len = utf8_length(s, i, r);
    if (len == 0) {
      append_hex(out, "\\x", static_cast<unsigned char>(s[i]), 2);
      ++i;
      continue;
    }
    i += len;
    switch (r) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\a':
        out += "\\a";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\v':
        out += "\\v";
        continue;
      default:
        break;
    }
    if (printable(r)) {
      out.append(s.substr(i - len, len));
    } else if (r < 0x20 || r == 0x7F) {
      append_hex(out, "\\x", r, 2);
    } else if (r < 0x10000) {
      append_hex(out, "\\u", r, 4);
    } else {
      append_hex(out, "\\U", r, 8);
    }
  }
  out += '"';
  return out;
}

std::string go_format_float_f(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::array<char, 400> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed);
  return std::string(buf.data(), res.ptr);
}

std::string go_format_float_g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Go's 'g' with shortest precision: exponent form when exp < -4 || exp >= 6.
  std::array<char, 64> buf{};
  const auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific);
  std::string sci(buf.data(), res.ptr);
  const auto epos = sci.find('e');
  const int exp = std::stoi(sci.substr(epos + 1));
  if (exp < -4 || exp >= 6) {
    // Go writes e+06 style: at least two exponent digits.
    std::string mant = sci.substr(0, epos);
    const char sign = exp < 0 ? '-' : '+';
    std::string digits = std::to_string(exp < 0 ? -exp : exp);
    if (digits.size() < 2) digits = "0" + digits;
    return mant + "e" + sign + digits;
  }
  return go_format_float_f(v);
}

}  // namespace hawatch::gotext
