// Go's math.Log, Log2, Log10 and Pow (the FreeBSD/fdlibm algorithms of Go's math package), so
// that ln(), log2(), log10() and ^ give Prometheus' last bit where glibc's differ by one ulp.
// Exp stays glibc's: Go on amd64 uses an assembly exp whose results glibc's match in the cases
// checked against promtool (tests/fixtures/promql), and Pow below calls it the same way.
#include "go_math.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace hawatch::promql::engine {
namespace {

// Go evaluates constant expressions exactly and rounds once: 1/Ln2 and 1/Ln10 as literals.
constexpr double kLog2E = 1.44269504088896340735992468100189213742664595415298593;
constexpr double kInvLn10 = 0.434294481903251827651128918916605082294397005803666566114;

}  // namespace

double go_log(double x) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kL1 = 6.666666666666735130e-01;
  constexpr double kL2 = 3.999999999940941908e-01;
  constexpr double kL3 = 2.857142874366239149e-01;
  constexpr double kL4 = 2.222219843214978396e-01;
  constexpr double kL5 = 1.818357216161805012e-01;
  constexpr double kL6 = 1.531383769920937332e-01;
  constexpr double kL7 = 1.479819860511658591e-01;
  if (std::isnan(x) || (std::isinf(x) && x > 0)) return x;
  if (x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) return -HUGE_VAL;
  int ki = 0;
  double f1 = std::frexp(x, &ki);
  if (f1 < M_SQRT2 / 2) {
    f1 *= 2;
    ki--;
  }
  const double f = f1 - 1;
  const double k = ki;
  const double s = f / (2 + f);
  const double s2 = s * s;
  const double s4 = s2 * s2;
  const double t1 = s2 * (kL1 + s4 * (kL3 + s4 * (kL5 + s4 * kL7)));
  const double t2 = s4 * (kL2 + s4 * (kL4 + s4 * kL6));
  const double r = t1 + t2;
  const double hfsq = 0.5 * f * f;
  return k * kLn2Hi - ((hfsq - (s * (hfsq + r) + k * kLn2Lo)) - f);
}

double go_log2(double x) {
  int exp = 0;
  const double frac = std::frexp(x, &exp);
  if (frac == 0.5) return exp - 1;  // exact powers of two
  return go_log(frac) * kLog2E + exp;
}

double go_log10(double x) {
  return go_log(x) * kInvLn10;
}

namespace {

bool is_odd_int(double x) {
  if (std::fabs(x) >= 9007199254740992.0) return false;  // 2^53: all even
  double xi = 0;
  const double xf = std::modf(x, &xi);
  return xf == 0 && (static_cast<std::int64_t>(xi) & 1) == 1;
}

}  // namespace

double go_pow(double x, double y) {
  if (y == 0 || x == 1) return 1;
  if (y == 1) return x;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0) {
    if (y < 0) {
      if (std::signbit(x) && is_odd_int(y)) return -HUGE_VAL;
      return HUGE_VAL;
    }
    if (y > 0) {
      if (std::signbit(x) && is_odd_int(y)) return x;
      return 0;
    }
  }
  if (std::isinf(y)) {
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return HUGE_VAL;
  }
  if (std::isinf(x)) {
    if (x < 0) return go_pow(1 / x, -y);  // Pow(-0, -y)
    if (y < 0) return 0;
    return HUGE_VAL;
  }
  if (y == 0.5) return std::sqrt(x);
  if (y == -0.5) return 1 / std::sqrt(x);
  double yi = 0;
  double yf = std::modf(std::fabs(y), &yi);
  if (yf != 0 && x < 0) return std::numeric_limits<double>::quiet_NaN();
  if (yi >= 9223372036854775808.0) {
    // A huge even integer: overflow or underflow to 0 for every x but -1.
    if (x == -1) return 1;
    if ((std::fabs(x) < 1) == (y > 0)) return 0;
    return HUGE_VAL;
  }
  double a1 = 1.0;
  int ae = 0;
  if (yf != 0) {
    if (yf > 0.5) {
      yf--;
      yi++;
    }
    a1 = std::exp(yf * go_log(x));
  }
  int xe = 0;
  double x1 = std::frexp(x, &xe);
  for (auto i = static_cast<std::int64_t>(yi); i != 0; i >>= 1) {
    if (xe < -(1 << 12) || (1 << 12) < xe) {
      // Catastrophic overflow: |x|^y is certainly out of range.
      ae += xe;
      break;
    }
    if ((i & 1) == 1) {
      a1 *= x1;
      ae += xe;
    }
    x1 *= x1;
    xe <<= 1;
    if (x1 < .5) {
      x1 += x1;
      xe--;
    }
  }
  if (y < 0) {
    a1 = 1 / a1;
    ae = -ae;
  }
  return std::ldexp(a1, ae);
}

}  // namespace hawatch::promql::engine
