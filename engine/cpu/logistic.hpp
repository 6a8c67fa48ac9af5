// σ on the CPU's Eigen arrays, with Eigen's exp limit: what the CPU backend and its SiLU jet share.
#pragma once

#include <Eigen/Core>

namespace ebm::cpu {

/// Below this, Eigen's vectorised exp returns its clamped value instead of underflowing to 0.
template <class T>
constexpr T exp_lower_limit() {
  return sizeof(T) == 4 ? T(-88.3762626647949) : T(-709.436139303102);
}

/// sigma = σ(a) = 1/(1 + e⁻ᵃ) for an Eigen array a. Eigen's vectorised logistic returns 0 where
/// σ(a) = eᵃ is subnormal (a below the exp limit, in float64); those elements are computed as
/// e^(a + 64 ln 2)·2⁻⁶⁴ instead, so that σ keeps its subnormal values, as the GPU's does. The
/// check is one vectorised min per call; the rewrite runs only where it finds such an a.
template <class In, class Sigma>
void logistic(const In& a, Sigma& sigma) {
  using T = typename In::Scalar;
  sigma = a.logistic();
  if (a.minCoeff() < exp_lower_limit<T>()) {
    sigma = (a < exp_lower_limit<T>()).select((a + T(44.3614195558365)).exp() * T(5.421010862427522e-20), sigma);
  }
}

}  // namespace ebm::cpu
