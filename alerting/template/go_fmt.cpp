#include "go_fmt.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace hawatch::tmpl {
namespace {

// The shortest decimal digits of |v| and its decimal exponent: v = 0.DIGITS * 10^point.
struct Decimal {
  std::string digits;
  int point = 0;
};

Decimal shortest_digits(double v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  const std::string_view s(buf, static_cast<std::size_t>(r.ptr - buf));
  const std::size_t e = s.find('e');
  Decimal d;
  for (char c : s.substr(0, e))
    if (c != '.') d.digits += c;
  d.point = std::stoi(std::string(s.substr(e + 1))) + 1;
  while (d.digits.size() > 1 && d.digits.back() == '0') d.digits.pop_back();
  if (d.digits == "0") d.point = 1;
  return d;
}

std::string exponent_form(const Decimal& d, int decimals, char e) {
  std::string out(1, d.digits[0]);
  std::string frac = d.digits.substr(1);
  frac.resize(static_cast<std::size_t>(decimals), '0');
  if (decimals > 0) out += "." + frac;
  const int exp = d.digits == "0" ? 0 : d.point - 1;
  out += e;
  out += exp < 0 ? '-' : '+';
  const std::string digits = std::to_string(std::abs(exp));
  if (digits.size() < 2) out += '0';
  return out + digits;
}

std::string fixed_form(const Decimal& d, int decimals) {
  std::string intpart;
  std::string frac;
  for (int i = 0; i < d.point; ++i)
    intpart += i < static_cast<int>(d.digits.size()) ? d.digits[static_cast<std::size_t>(i)] : '0';
  if (intpart.empty()) intpart = "0";
  for (int i = d.point; static_cast<int>(frac.size()) < decimals; ++i)
    frac += i >= 0 && i < static_cast<int>(d.digits.size()) ? d.digits[static_cast<std::size_t>(i)]
                                                            : '0';
  return decimals > 0 ? intpart + "." + frac : intpart;
}

std::string shortest(double v, char fmt) {
  const Decimal d = shortest_digits(v);
  const int nd = static_cast<int>(d.digits.size());
  std::string body;
  switch (fmt) {
    case 'e':
    case 'E':
      body = exponent_form(d, nd - 1, fmt);
      break;
    case 'f':
      body = fixed_form(d, std::max(nd - d.point, 0));
      break;
    default: {  // 'g', 'G': shortest spellings switch to %e below 1e-4 and from 1e+06 on
      const int exp = d.point - 1;
      if (exp < -4 || exp >= 6)
        body = exponent_form(d, nd - 1, fmt == 'G' ? 'E' : 'e');
      else
        body = fixed_form(d, std::max(nd - d.point, 0));
    }
  }
  return std::signbit(v) ? "-" + body : body;
}

}  // namespace

std::string format_float(double v, char fmt, int prec) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (prec < 0) return shortest(v, fmt);
  // With a precision glibc's printf rounds exactly as strconv does (both are correctly rounded),
  // and its %g drops trailing zeros as strconv's 'g' does.
  const auto print = [&](char* buf, std::size_t size) {
    switch (fmt) {
      case 'e':
        return std::snprintf(buf, size, "%.*e", prec, v);
      case 'E':
        return std::snprintf(buf, size, "%.*E", prec, v);
      case 'f':
        return std::snprintf(buf, size, "%.*f", prec, v);
      case 'G':
        return std::snprintf(buf, size, "%.*G", prec, v);
      default:
        return std::snprintf(buf, size, "%.*g", prec, v);
    }
  };
  char buf[512];
  const int n = print(buf, sizeof buf);
  if (n >= 0 && n < static_cast<int>(sizeof buf))
    return std::string(buf, static_cast<std::size_t>(n));
  std::string big(static_cast<std::size_t>(n) + 1, '\0');
  print(big.data(), big.size());
  big.resize(static_cast<std::size_t>(n));
  return big;
}

}  // namespace hawatch::tmpl
