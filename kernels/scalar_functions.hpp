// The per-element functions of the CUDA kernels: each unary and binary map, Adam's update, the
// SiLU jet's element and the random fills' Philox block. Host-and-device code, so that ebm_tests
// runs these very functions on the CPU against the CPU backend, special values included
// (tests/scalar_functions_test.cpp).
#pragma once

#include <cstdint>

#include "engine/adam_coefficients.hpp"
#include "engine/backend.hpp"
#include "engine/host_device.hpp"
#include "engine/philox.hpp"
#include "engine/scalar_math.hpp"
#include "engine/silu.hpp"

namespace ebm::cuda {

/// The CPU backend's unary maps, element by element: exp flushed to 0 below the limit where the
/// CPU's vectorised exp clamps, sign(±0) = +0 and NaN kept, softplus = max(x, 0) + log1p(e^−|x|),
/// silu(−∞) = 0 (its limit, where −∞·σ(−∞) would be −∞·0).
template <class T>
EBM_HOST_DEVICE T unary_function(UnaryKernel kernel, T x) {
  switch (kernel) {
    case UnaryKernel::Exp: return x < scalar::exp_lower_limit<T>() ? T(0) : scalar::exp(x);
    case UnaryKernel::Log: return scalar::log(x);
    case UnaryKernel::Sqrt: return scalar::sqrt(x);
    case UnaryKernel::Square: return x * x;
    case UnaryKernel::Abs: return scalar::abs(x);
    case UnaryKernel::Sign: return x > T(0) ? T(1) : (x < T(0) ? T(-1) : (x == x ? T(0) : x));  // ±0 → +0, NaN stays NaN
    case UnaryKernel::Sin: return scalar::sin(x);
    case UnaryKernel::Cos: return scalar::cos(x);
    case UnaryKernel::Tanh: return scalar::tanh(x);
    case UnaryKernel::Sigmoid: return scalar::logistic(x);
    case UnaryKernel::Softplus: return (x > T(0) ? x : T(0)) + scalar::log1p(scalar::exp(-scalar::abs(x)));
    case UnaryKernel::Relu: return x > T(0) ? x : (x == x ? T(0) : x);
    case UnaryKernel::Silu: return x == T(-INFINITY) ? T(0) : x * scalar::logistic(x);
  }
  return x;
}

/// The CPU backend's binary maps, element by element; comparisons give 1 or 0.
template <class T>
EBM_HOST_DEVICE T binary_function(BinaryKernel kernel, T x, T y) {
  switch (kernel) {
    case BinaryKernel::Add: return x + y;
    case BinaryKernel::Subtract: return x - y;
    case BinaryKernel::Multiply: return x * y;
    case BinaryKernel::Divide: return x / y;
    case BinaryKernel::Greater: return x > y ? T(1) : T(0);
    case BinaryKernel::Less: return x < y ? T(1) : T(0);
    case BinaryKernel::GreaterEqual: return x >= y ? T(1) : T(0);
    case BinaryKernel::LessEqual: return x <= y ? T(1) : T(0);
  }
  return x;
}

/// The fused SiLU kernels' elements, σ evaluated once: g·silu′(a), silu″(a) and silu‴(a).
template <class T>
EBM_HOST_DEVICE T silu_backward_function(T g, T a) {
  return g * ebm::silu_first_derivative(a, scalar::logistic(a));
}
template <class T>
EBM_HOST_DEVICE T silu_second_derivative_function(T a) {
  return ebm::silu_second_derivative(a, scalar::logistic(a));
}
template <class T>
EBM_HOST_DEVICE T silu_third_derivative_function(T a) {
  return ebm::silu_third_derivative(a, scalar::logistic(a));
}

/// One element of Adam's update (ops.hpp adam_update_), grouped as the CPU groups it:
/// g ← g + λθ, m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − step·m/(√(scale·v) + ε).
template <class T>
EBM_HOST_DEVICE void adam_element(T& theta, T& m, T& v, T gradient, const AdamCoefficients& c) {
  const T g = gradient + T(c.weight_decay) * theta;
  m = T(c.beta1) * m + T(1 - c.beta1) * g;
  v = T(c.beta2) * v + T(1 - c.beta2) * (g * g);
  theta -= T(c.step_size) * m / (scalar::sqrt(T(c.second_moment_scale) * v) + T(c.eps));
}

/// A packed jet [K, N, W] seen from one element e of its [N, W] slice.
struct JetLayout {
  int64_t slices;  // K
  int64_t stride;  // N · W
  int64_t width;   // W
};

/// Element e of silu_jet (ops.hpp): with a = products[0][e] + bias, out[0] = silu(a),
/// out[m] = silu′(a)·Fₘ, out[K − 1] = silu′(a)·S + silu″(a)·Σₘ Fₘ².
template <class T>
EBM_HOST_DEVICE void silu_jet_element(const T* products, const T* bias, T* out, JetLayout jet, int64_t e) {
  const T a = products[e] + bias[e % jet.width];
  const T sigma = scalar::logistic(a);
  const T first = ebm::silu_first_derivative(a, sigma);
  const int64_t last = jet.slices - 1;
  T squares = T(0);
  for (int64_t m = 1; m < last; ++m) {
    const T direction = products[m * jet.stride + e];
    squares += direction * direction;
    out[m * jet.stride + e] = first * direction;
  }
  out[last * jet.stride + e] = first * products[last * jet.stride + e] + ebm::silu_second_derivative(a, sigma) * squares;
  out[e] = a * sigma;
}

/// Element e of silu_jet_backward, the gradient of ⟨g, silu_jet(products, bias)⟩:
///   slice 0: silu′·g₀ + silu″·(Σₘ gₘFₘ + S·g_S) + silu‴·Σₘ Fₘ²·g_S,
///   slice m: silu′·gₘ + 2 silu″·Fₘ·g_S,
///   slice K − 1: silu′·g_S.
template <class T>
EBM_HOST_DEVICE void silu_jet_backward_element(const T* gradient, const T* products, const T* bias, T* out, JetLayout jet,
                                               int64_t e) {
  const T a = products[e] + bias[e % jet.width];
  const T sigma = scalar::logistic(a);
  const T first = ebm::silu_first_derivative(a, sigma);
  const T second = ebm::silu_second_derivative(a, sigma);
  const int64_t last = jet.slices - 1;
  const T curvature_gradient = gradient[last * jet.stride + e];  // g_S
  T squares = T(0), dots = T(0);
  for (int64_t m = 1; m < last; ++m) {
    const T direction = products[m * jet.stride + e];
    const T direction_gradient = gradient[m * jet.stride + e];
    squares += direction * direction;
    dots += direction * direction_gradient;
    out[m * jet.stride + e] = first * direction_gradient + T(2) * second * curvature_gradient * direction;
  }
  out[last * jet.stride + e] = first * curvature_gradient;
  out[e] = first * gradient[e] + second * (dots + products[last * jet.stride + e] * curvature_gradient) +
           ebm::silu_third_derivative(a, sigma) * squares * curvature_gradient;
}

/// Block `block` of a uniform fill of n elements: elements block·L … block·L + L − 1 (those below n)
/// are the lanes of Philox block first_block + block (L = 4 for float32, 2 for float64), as on the
/// CPU. The lane loop has a fixed count, so the compiler unrolls it and the draws stay in registers.
template <class T>
EBM_HOST_DEVICE void uniform_block(T* out, int64_t n, uint64_t seed, uint64_t first_block, int64_t block) {
  constexpr int lanes = philox::per_block<T>;
  const auto draws = philox::uniforms<T>(philox::stream_block(seed, first_block + static_cast<uint64_t>(block)));
  for (int lane = 0; lane < lanes; ++lane) {
    if (block * lanes + lane < n) out[block * lanes + lane] = draws.value[lane];
  }
}

/// Block `block` of a normal fill: lanes (2k, 2k + 1) by Box–Muller (philox::box_muller).
template <class T>
EBM_HOST_DEVICE void normal_block(T* out, int64_t n, uint64_t seed, uint64_t first_block, int64_t block) {
  constexpr int lanes = philox::per_block<T>;
  const philox::Block words = philox::stream_block(seed, first_block + static_cast<uint64_t>(block));
  for (int lane = 0; lane < lanes; lane += 2) {
    const int64_t at = block * lanes + lane;
    if (at >= n) continue;
    T first, second;
    philox::box_muller(words, lane, first, second);
    out[at] = first;
    if (at + 1 < n) out[at + 1] = second;
  }
}

}  // namespace ebm::cuda
