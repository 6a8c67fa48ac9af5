// σ on the CPU's Eigen arrays: what the CPU backend and its SiLU jet share.
#pragma once

#include <Eigen/Core>

#include "engine/scalar_math.hpp"

namespace ebm::cpu {

using scalar::exp_lower_limit;

/// sigma = σ(a) for an Eigen array a, as e^min(a, 0)/(1 + e^−|a|): 1/(1 + e⁻ᵃ) for a ≥ 0 and
/// eᵃ/(1 + eᵃ) below, so that neither exponential overflows and σ keeps its relative precision
/// where it is small (Eigen's own float logistic is accurate only in absolute terms: 4e-4
/// relative at a = −8.8). Where eᵃ is subnormal (a below the exp limit), Eigen's vectorised exp
/// clamps, so those elements are computed as e^(a + 64 ln 2)·2⁻⁶⁴ instead, keeping σ's subnormal
/// values as the GPU does. The check is one vectorised min per call; the rewrite runs only where it
/// finds such an a.
template <class In, class Sigma>
void logistic(const In& a, Sigma& sigma) {
  using T = typename In::Scalar;
  sigma = a.min(T(0)).exp() / (T(1) + (-a.abs()).exp());
  if (a.minCoeff() < exp_lower_limit<T>()) {
    sigma = (a < exp_lower_limit<T>()).select((a + T(44.3614195558365)).exp() * T(5.421010862427522e-20), sigma);
  }
}

}  // namespace ebm::cpu
