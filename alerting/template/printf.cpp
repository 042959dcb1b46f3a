// fmt.Sprintf for the verbs templates use (%s %d %f %e %g %v %q %x %t %c %%), with flags, width
// and precision, and Go's spellings of mistakes: %!d(float64=5), %!s(MISSING), %!(EXTRA int=2).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "functions.h"
#include "go_fmt.h"

namespace hawatch::tmpl::detail {
namespace {

struct Spec {
  bool minus = false, plus = false, sharp = false, zero = false, space = false;
  int width = -1;
  int precision = -1;
  char verb = 0;
};

std::string pad(std::string s, const Spec& spec, bool numeric) {
  // Width counts runes in Go; templates' padded fields are ASCII in practice.
  if (spec.width < 0 || static_cast<int>(s.size()) >= spec.width) return s;
  const std::size_t n = static_cast<std::size_t>(spec.width) - s.size();
  if (spec.minus) return s + std::string(n, ' ');
  if (spec.zero && numeric) {
    const std::size_t sign = !s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ') ? 1 : 0;
    return s.substr(0, sign) + std::string(n, '0') + s.substr(sign);
  }
  return std::string(n, ' ') + s;
}

std::string bad_verb(char verb, const Value& v) {
  if (std::holds_alternative<Nil>(v)) return std::string("%!") + verb + "(<nil>)";
  return std::string("%!") + verb + "(" + type_name(v) + "=" + print_value(v) + ")";
}

std::string with_sign(std::string digits, bool negative, const Spec& spec) {
  if (negative) return "-" + digits;
  if (spec.plus) return "+" + digits;
  if (spec.space) return " " + digits;
  return digits;
}

std::string format_int(std::int64_t i, const Spec& spec) {
  const bool negative = i < 0;
  const std::uint64_t u =
      negative ? 0 - static_cast<std::uint64_t>(i) : static_cast<std::uint64_t>(i);
  std::string digits;
  switch (spec.verb) {
    case 'd':
    case 'v':
      digits = std::to_string(u);
      break;
    case 'x':
    case 'X':
    case 'o':
    case 'b': {
      const unsigned base = spec.verb == 'o' ? 8 : spec.verb == 'b' ? 2 : 16;
      const char* set = spec.verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      std::uint64_t x = u;
      do {
        digits.insert(digits.begin(), set[x % base]);
        x /= base;
      } while (x > 0);
      if (spec.sharp && base == 16) digits = (spec.verb == 'X' ? "0X" : "0x") + digits;
      if (spec.sharp && base == 8) digits = "0" + digits;
      break;
    }
    case 'c': {
      std::string out;
      const auto cp = static_cast<char32_t>(u);
      if (cp < 0x80)
        out += static_cast<char>(cp);
      else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | ((cp >> 12) & 0x0F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
      return pad(out, spec, false);
    }
    case 'q': {
      if (u == '\'' || u == '\\')
        return pad(std::string("'\\") + static_cast<char>(u) + "'", spec, false);
      if (u >= 0x20 && u < 0x7f)
        return pad(std::string("'") + static_cast<char>(u) + "'", spec, false);
      char buf[16];
      std::snprintf(buf, sizeof buf, "'\\u%04llx'", static_cast<unsigned long long>(u & 0xFFFF));
      return pad(buf, spec, false);
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
    case 's':
    case 't':
    default:
      return bad_verb(spec.verb, Value(i));
  }
  if (spec.precision >= 0 && static_cast<int>(digits.size()) < spec.precision)
    digits.insert(0, static_cast<std::size_t>(spec.precision) - digits.size(), '0');
  return pad(with_sign(digits, negative, spec), spec, spec.precision < 0);
}

std::string format_double(double d, const Spec& spec) {
  char verb = spec.verb == 'v' ? 'g' : spec.verb;
  if (verb == 'F') verb = 'f';
  if (!std::strchr("eEfgG", verb)) return bad_verb(spec.verb, Value(d));
  int precision = spec.precision;
  if (precision < 0 && (verb == 'e' || verb == 'E' || verb == 'f')) precision = 6;
  std::string body = format_float(std::fabs(d), verb, precision);
  if (std::isnan(d)) return pad(spec.plus ? "+NaN" : spec.space ? " NaN" : "NaN", spec, false);
  if (std::isinf(d)) body = "Inf";
  if (spec.sharp && body.find('.') == std::string::npos && !std::isinf(d)) {
    const std::size_t e = body.find_first_of("eE");
    body.insert(e == std::string::npos ? body.size() : e, ".");
  }
  std::string out = with_sign(body, std::signbit(d), spec);
  if (std::isinf(d) && out[0] != '-' && out[0] != ' ') out = "+" + body;
  return pad(out, spec, !std::isinf(d));
}

std::string format_string(const std::string& s, const Spec& spec) {
  switch (spec.verb) {
    case 's':
    case 'v': {
      std::string t = s;
      if (spec.precision >= 0 && static_cast<int>(t.size()) > spec.precision)
        t.resize(static_cast<std::size_t>(spec.precision));
      return pad(t, spec, false);
    }
    case 'q':
      return pad(go_quote(s), spec, false);
    case 'x':
    case 'X': {
      const char* set = spec.verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      std::string out;
      for (unsigned char c : s) {
        out += set[c >> 4];
        out += set[c & 15];
      }
      return pad(out, spec, false);
    }
    default:
      return bad_verb(spec.verb, Value(s));
  }
}

std::string format_one(const Value& v, const Spec& spec) {
  if (const auto* s = std::get_if<std::string>(&v)) return format_string(*s, spec);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return format_int(*i, spec);
  if (const auto* d = std::get_if<double>(&v)) return format_double(*d, spec);
  if (const auto* b = std::get_if<bool>(&v)) {
    if (spec.verb == 't' || spec.verb == 'v') return pad(*b ? "true" : "false", spec, false);
    return bad_verb(spec.verb, v);
  }
  if (std::holds_alternative<Nil>(v)) {
    if (spec.verb == 'v') return pad("<nil>", spec, false);
    return bad_verb(spec.verb, v);
  }
  if (spec.verb == 'v' || spec.verb == 's') return pad(print_value(v), spec, false);
  return bad_verb(spec.verb, v);
}

}  // namespace

std::string go_sprintf(std::string_view format, const std::vector<Value>& args) {
  std::string out;
  std::size_t arg = 0;
  std::size_t i = 0;
  while (i < format.size()) {
    const char c = format[i++];
    if (c != '%') {
      out += c;
      continue;
    }
    Spec spec;
    for (; i < format.size(); ++i) {
      const char f = format[i];
      if (f == '-')
        spec.minus = true;
      else if (f == '+')
        spec.plus = true;
      else if (f == '#')
        spec.sharp = true;
      else if (f == '0')
        spec.zero = !spec.minus;
      else if (f == ' ')
        spec.space = true;
      else
        break;
    }
    const auto read_number = [&](int& target) {
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (arg < args.size()) {
          if (const auto* n = std::get_if<std::int64_t>(&args[arg])) target = static_cast<int>(*n);
          ++arg;
        }
        return;
      }
      int n = -1;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9')
        n = std::min((n < 0 ? 0 : n * 10) + (format[i++] - '0'), 10'000'000);  // saturates
      target = n;
    };
    read_number(spec.width);
    if (spec.width > 1'000'000) spec.width = 1'000'000;  // keep hostile widths bounded
    if (i < format.size() && format[i] == '.') {
      ++i;
      read_number(spec.precision);
      if (spec.precision < 0) spec.precision = 0;
      if (spec.precision > 1000) spec.precision = 1000;
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i++];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (arg >= args.size()) {
      out += std::string("%!") + spec.verb + "(MISSING)";
      continue;
    }
    out += format_one(args[arg++], spec);
  }
  if (arg < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t k = arg; k < args.size(); ++k) {
      if (k > arg) out += ", ";
      out += type_name(args[k]) + "=" + print_value(args[k]);
    }
    out += ")";
  }
  return out;
}

std::string go_sprint(const std::vector<Value>& args) {
  std::string out;
  for (std::size_t k = 0; k < args.size(); ++k) {
    // Sprint puts a space between operands when neither is a string.
    if (k > 0 && !std::holds_alternative<std::string>(args[k]) &&
        !std::holds_alternative<std::string>(args[k - 1]))
      out += ' ';
    out += print_value(args[k]);
  }
  return out;
}

std::string go_sprintln(const std::vector<Value>& args) {
  std::string out;
  for (std::size_t k = 0; k < args.size(); ++k) out += (k ? " " : "") + print_value(args[k]);
  return out + "\n";
}

}  // namespace hawatch::tmpl::detail
