// SiLU's derivatives as Eigen array expressions of a and its logistic σ = σ(a), for the kernels
// that evaluate σ once and use it more than once (docs/autodiff.md derives them). Each returns an
// expression over its arguments, which must outlive it.
#pragma once

namespace ebm::cpu {

/// silu′(a) = σ(1 + a(1 − σ)).
template <class A, class Sigma>
auto silu_first_derivative(const A& a, const Sigma& sigma) {
  using T = typename A::Scalar;
  return sigma * (T(1) + a * (T(1) - sigma));
}

/// silu″(a) = s(2 + at) with s = σ(1 − σ), t = 1 − 2σ.
template <class A, class Sigma>
auto silu_second_derivative(const A& a, const Sigma& sigma) {
  using T = typename A::Scalar;
  return sigma * (T(1) - sigma) * (T(2) + a * (T(1) - T(2) * sigma));
}

/// silu‴(a) = s(3t + a(1 − 6s)), s and t as above.
template <class A, class Sigma>
auto silu_third_derivative(const A& a, const Sigma& sigma) {
  using T = typename A::Scalar;
  return sigma * (T(1) - sigma) * (T(3) * (T(1) - T(2) * sigma) + a * (T(1) - T(6) * sigma * (T(1) - sigma)));
}

}  // namespace ebm::cpu
