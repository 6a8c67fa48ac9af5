// The special values every per-element function is checked at, and the rule by which two backends'
// results at them agree: used by the CPU run of the CUDA kernels' functions
// (tests/scalar_functions_test.cpp) and by the GPU itself (tests/cuda_test.cpp).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include <ebm.hpp>

namespace ebm::testing {

/// The distance in units in the last place between a and b, rounded to T; 0 for +0 and −0.
template <class T>
int64_t ulp_distance(double a, double b) {
  using Bits = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  const T x = static_cast<T>(a), y = static_cast<T>(b);
  Bits i, j;
  std::memcpy(&i, &x, sizeof(T));
  std::memcpy(&j, &y, sizeof(T));
  if ((i < 0) != (j < 0)) return x == y ? 0 : std::numeric_limits<int64_t>::max();
  return std::abs(static_cast<int64_t>(i) - static_cast<int64_t>(j));
}

inline int64_t ulp_distance(double a, double b, DType dtype) {
  return dtype == DType::Float32 ? ulp_distance<float>(a, b) : ulp_distance<double>(a, b);
}

/// ±0, ±∞, NaN, the smallest subnormal and normal numbers, the largest finite one, and values
/// around the ends of exp's range, in dtype.
inline std::vector<double> special_values(DType dtype) {
  const bool single = dtype == DType::Float32;
  const double infinity = std::numeric_limits<double>::infinity();
  const double largest = single ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
  const double smallest = single ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
  const double subnormal = single ? std::numeric_limits<float>::denorm_min() : std::numeric_limits<double>::denorm_min();
  return {0.0,  -0.0,   infinity, -infinity, NAN,   subnormal, -subnormal, smallest, -smallest, largest, -largest,
          1.0,  -1.0,   0.5,      20.0,      -20.0, 88.5,      -88.5,      100.0,    -100.0,    710.0,   -710.0};
}

/// Checks that `got` agrees with `expected`, both f(inputs): the same class everywhere (NaN, ±∞,
/// zero), and where finite within 16 ulps or, where f is a difference of terms of order 1 + |x|
/// that cancel (SiLU's derivatives near their zeros), within 16ε(1 + |x|). Two exceptions, both of
/// the inputs' own making: where σ(x) is subnormal (x below ln of the smallest normal number) it
/// carries fewer significant bits, and what is computed from it agrees within 64 ulps; and sin
/// and cos of |x| > 10⁴ are not compared (their range reductions differ), when `periodic`.
inline void check_agreement(const std::string& name, const std::vector<double>& inputs, const std::vector<double>& got,
                            const std::vector<double>& expected, DType dtype, bool periodic = false) {
  CAPTURE(name);
  CAPTURE(std::string(dtype_name(dtype)));
  const double subnormal_sigma_below =
      std::log(dtype == DType::Float32 ? double(std::numeric_limits<float>::min()) : std::numeric_limits<double>::min());
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(inputs[i % inputs.size()]);
    CAPTURE(expected[i]);
    CAPTURE(got[i]);
    CHECK(std::isnan(got[i]) == std::isnan(expected[i]));
    if (std::isnan(expected[i]) || std::isnan(got[i])) continue;
    CHECK(std::isinf(got[i]) == std::isinf(expected[i]));
    CHECK((got[i] == 0) == (expected[i] == 0));
    const double x = inputs[i % inputs.size()];
    if (std::isinf(expected[i]) || (periodic && std::abs(x) > 1e4)) continue;
    const double epsilon = dtype == DType::Float32 ? 0x1p-23 : 0x1p-52;
    const bool cancelled = std::abs(got[i] - expected[i]) <= 16 * epsilon * (1 + std::abs(x));
    CHECK((cancelled || ulp_distance(got[i], expected[i], dtype) <= (x < subnormal_sigma_below ? 64 : 16)));
  }
}

}  // namespace ebm::testing
