// Scalar functions the device kernels share.
#pragma once

#include <cmath>

namespace ebm::cuda {

/// σ(x) = 1/(1 + e⁻ˣ) for x ≥ 0 and eˣ/(1 + eˣ) below, where e⁻ˣ would overflow first: σ keeps
/// its subnormal values (σ(−100) = e⁻¹⁰⁰ in float32, as on the CPU), 0 at −∞ and 1 at +∞.
template <class T>
__device__ T logistic(T x) {
  if (x < T(0)) {
    const T e = exp(x);
    return e / (T(1) + e);
  }
  return T(1) / (T(1) + exp(-x));
}

}  // namespace ebm::cuda
