// σ on the CPU's Eigen arrays: what the CPU backend and its SiLU jet share.
#pragma once

#include <Eigen/Core>

#include "engine/scalar_math.hpp"

namespace ebm::cpu {

using scalar::exp_lower_limit;

/// sigma = σ(a) = 1/(1 + e⁻ᵃ) for an Eigen array a, with Eigen's vectorised exp: relatively
/// accurate, since e⁻ᵃ is, and a quarter faster than Eigen's own float logistic, which is accurate
/// only in absolute terms (4·10⁻⁴ relative error at a = −8.8). Where e⁻ᵃ overflows, or eᵃ is
/// subnormal (a below the exp limit), that gives 0: those elements are computed as
/// σ(a) = eᵃ = e^(a + 64 ln 2)·2⁻⁶⁴ instead, keeping σ's subnormal values as the GPU does. The check
/// is one vectorised min per call; the rewrite runs only where it finds such an a.
template <class In, class Sigma>
void logistic(const In& a, Sigma& sigma) {
  using T = typename In::Scalar;
  sigma = T(1) / (T(1) + (-a).exp());
  if (a.minCoeff() < exp_lower_limit<T>()) {
    sigma = (a < exp_lower_limit<T>()).select((a + T(44.3614195558365)).exp() * T(5.421010862427522e-20), sigma);
  }
}

}  // namespace ebm::cpu
