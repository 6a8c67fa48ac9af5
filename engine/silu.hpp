// SiLU's derivatives from a and its logistic σ = σ(a), written once for the CPU's Eigen array
// expressions and the CUDA kernels' scalars (docs/autodiff.md derives them). With Eigen arrays each
// returns an expression over its arguments, which must outlive it.
#pragma once

#include "engine/host_device.hpp"

namespace ebm {

/// The element type of an argument: itself for float and double, A::Scalar for an Eigen array.
template <class A>
struct element_type {
  using type = typename A::Scalar;
};
template <>
struct element_type<float> {
  using type = float;
};
template <>
struct element_type<double> {
  using type = double;
};

/// silu′(a) = σ(1 + a(1 − σ)).
template <class A, class Sigma>
EBM_HOST_DEVICE auto silu_first_derivative(const A& a, const Sigma& sigma) {
  using T = typename element_type<A>::type;
  return sigma * (T(1) + a * (T(1) - sigma));
}

/// silu″(a) = s(2 + at) with s = σ(1 − σ), t = 1 − 2σ.
template <class A, class Sigma>
EBM_HOST_DEVICE auto silu_second_derivative(const A& a, const Sigma& sigma) {
  using T = typename element_type<A>::type;
  return sigma * (T(1) - sigma) * (T(2) + a * (T(1) - T(2) * sigma));
}

/// silu‴(a) = s(3t + a(1 − 6s)), s and t as above.
template <class A, class Sigma>
EBM_HOST_DEVICE auto silu_third_derivative(const A& a, const Sigma& sigma) {
  using T = typename element_type<A>::type;
  return sigma * (T(1) - sigma) * (T(3) * (T(1) - T(2) * sigma) + a * (T(1) - T(6) * sigma * (T(1) - sigma)));
}

}  // namespace ebm
