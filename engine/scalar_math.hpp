// Scalar math that the CPU backend and the CUDA kernels share: the limit below which both flush
// eˣ to 0, the math library's functions (CUDA's on the GPU, the C++ library's on the host, so that
// the kernels' per-element functions also run on the CPU), and σ.
#pragma once

#include <cmath>

#include "engine/host_device.hpp"

namespace ebm::scalar {

/// Below this, Eigen's vectorised exp returns its clamped value instead of underflowing; both
/// backends flush exp to 0 there.
template <class T>
EBM_HOST_DEVICE constexpr T exp_lower_limit() {
  return sizeof(T) == 4 ? T(-88.3762626647949) : T(-709.436139303102);
}

#if defined(__CUDA_ARCH__)
#define EBM_MATH(function) ::function
#else
#define EBM_MATH(function) std::function
#endif

template <class T> EBM_HOST_DEVICE T exp(T x) { return EBM_MATH(exp)(x); }
template <class T> EBM_HOST_DEVICE T log(T x) { return EBM_MATH(log)(x); }
template <class T> EBM_HOST_DEVICE T log1p(T x) { return EBM_MATH(log1p)(x); }
template <class T> EBM_HOST_DEVICE T sqrt(T x) { return EBM_MATH(sqrt)(x); }
template <class T> EBM_HOST_DEVICE T sin(T x) { return EBM_MATH(sin)(x); }
template <class T> EBM_HOST_DEVICE T cos(T x) { return EBM_MATH(cos)(x); }
template <class T> EBM_HOST_DEVICE T tanh(T x) { return EBM_MATH(tanh)(x); }
template <class T> EBM_HOST_DEVICE T abs(T x) { return EBM_MATH(fabs)(x); }
template <class T> EBM_HOST_DEVICE T pow(T x, T p) { return EBM_MATH(pow)(x, p); }

#undef EBM_MATH

/// σ(x) = 1/(1 + e⁻ˣ) for x ≥ 0 and eˣ/(1 + eˣ) below, where e⁻ˣ would overflow first: σ keeps its
/// subnormal values (σ(−710) = e⁻⁷¹⁰ in float64), 0 at −∞ and 1 at +∞.
template <class T>
EBM_HOST_DEVICE T logistic(T x) {
  if (x < T(0)) {
    const T e = scalar::exp(x);
    return e / (T(1) + e);
  }
  return T(1) / (T(1) + scalar::exp(-x));
}

}  // namespace ebm::scalar
