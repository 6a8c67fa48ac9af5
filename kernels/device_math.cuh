// Scalar functions the device kernels share.
#pragma once

#include <cmath>

namespace ebm::cuda {

/// σ(x) = 1/(1 + e⁻ˣ): 0 for x → −∞ (e⁻ˣ = ∞), 1 for x → +∞.
template <class T>
__device__ T logistic(T x) {
  return T(1) / (T(1) + exp(-x));
}

}  // namespace ebm::cuda
