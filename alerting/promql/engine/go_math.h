#pragma once
// Go's float semantics where they differ from C's, so results match Prometheus bit for bit:
// math.Max/Min propagate NaN (fmax/fmin drop it), Prometheus' Kahan-Neumaier summation, and
// Go's Log/Log2/Log10/Pow (go_math.cpp).

#include <cmath>
#include <cstdint>

namespace hawatch::promql::engine {

inline double go_max(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::nan("");
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

inline double go_min(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::nan("");
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

// Prometheus' kahanSumInc: adds inc to sum, carrying the lost low-order bits in c.
inline void kahan_add(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

// Go's int64(f) for the values where it is defined (callers check the range first).
inline bool convertible_to_int64(double v) {
  return v <= 9223372036854775807.0 && v >= -9223372036854775808.0;
}

}  // namespace hawatch::promql::engine

namespace hawatch::promql::engine {

double go_log(double x);
double go_log2(double x);
double go_log10(double x);
double go_pow(double x, double y);

}  // namespace hawatch::promql::engine
