// Fused kernels: Adam's update in one pass, SiLU's derivatives, and its second-order jet and backward (the
// formulas of ops.hpp silu_jet / silu_jet_backward, derived in docs/autodiff.md), one thread per
// element of a [N, W] slice looping over the jet's K slices, σ evaluated once.
#include <cmath>

#include "engine/silu.hpp"
#include "kernels/device_math.cuh"
#include "kernels/kernels.hpp"
#include "kernels/launch.cuh"

namespace ebm::cuda {
namespace {

template <class T>
void adam_update_as(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                    const AdamCoefficients& c) {
  T* theta = parameter.data<T>();
  T* m = first_moment.data<T>();
  T* v = second_moment.data<T>();
  const T* grad = gradient.data<T>();
  const T beta1 = T(c.beta1), beta2 = T(c.beta2), eps = T(c.eps), decay = T(c.weight_decay);
  const T step = T(c.step_size), scale = T(c.second_moment_scale);
  const T one_minus_beta1 = T(1 - c.beta1), one_minus_beta2 = T(1 - c.beta2);
  launch_for_each("adam_update_", parameter.numel(), [=] __device__(int64_t i) {
    const T g = grad[i] + decay * theta[i];
    const T first = beta1 * m[i] + one_minus_beta1 * g;
    const T second = beta2 * v[i] + one_minus_beta2 * (g * g);  // (1 − β₂)·g², grouped as the CPU
    m[i] = first;
    v[i] = second;
    theta[i] -= step * first / (sqrt(scale * second) + eps);
  });
}

/// g·silu′(a), silu″(a) and silu‴(a) elementwise, σ evaluated once, packed where they can be.
template <class T>
void silu_backward_as(const Tensor& g, const Tensor& a, Tensor& out) {
  const int64_t n = out.numel();
  launch_map("silu_backward", contiguous_space<2>(n), n, out.data<T>(), MapInputs<T, 2>{{g.data<T>(), a.data<T>()}},
             [] __device__(const T(&v)[2]) { return v[0] * ebm::silu_first_derivative(v[1], logistic(v[1])); });
}

template <class T>
void silu_second_derivative_as(const Tensor& a, Tensor& out) {
  const int64_t n = out.numel();
  launch_map("silu_second_derivative", contiguous_space<1>(n), n, out.data<T>(), MapInputs<T, 1>{{a.data<T>()}},
             [] __device__(const T(&v)[1]) { return ebm::silu_second_derivative(v[0], logistic(v[0])); });
}

template <class T>
void silu_third_derivative_as(const Tensor& a, Tensor& out) {
  const int64_t n = out.numel();
  launch_map("silu_third_derivative", contiguous_space<1>(n), n, out.data<T>(), MapInputs<T, 1>{{a.data<T>()}},
             [] __device__(const T(&v)[1]) { return ebm::silu_third_derivative(v[0], logistic(v[0])); });
}

/// The layout of a packed jet [K, N, W] for one thread's element e of the [N, W] slice.
struct JetLayout {
  int64_t slices;  // K
  int64_t stride;  // N · W
  int64_t width;   // W
};

/// a with σ(a) and silu′(a): where both jet kernels start, one element of the value slice.
template <class T>
struct SiluPoint {
  T a, sigma, first;
};

template <class T>
__device__ SiluPoint<T> silu_at(T a) {
  const T sigma = logistic(a);
  return {a, sigma, ebm::silu_first_derivative(a, sigma)};
}

JetLayout jet_layout(const Tensor& products) { return {products.size(0), products.size(1) * products.size(2), products.size(2)}; }

/// out = (silu(a), silu′(a)·Fₘ, silu′(a)·S + silu″(a)·Σₘ Fₘ²) with a = products[0] + bias.
template <class T>
void silu_jet_as(const Tensor& products, const Tensor& bias, Tensor& out) {
  const T* p = products.data<T>();
  const T* b = bias.data<T>();
  T* z = out.data<T>();
  const JetLayout jet = jet_layout(products);
  launch_for_each("silu_jet", jet.stride, [=] __device__(int64_t e) {
    const auto [a, sigma, first] = silu_at(p[e] + b[e % jet.width]);
    const int64_t last = jet.slices - 1;
    T squares = T(0);
    for (int64_t m = 1; m < last; ++m) {
      const T direction = p[m * jet.stride + e];
      squares += direction * direction;
      z[m * jet.stride + e] = first * direction;
    }
    z[last * jet.stride + e] = first * p[last * jet.stride + e] + ebm::silu_second_derivative(a, sigma) * squares;
    z[e] = a * sigma;
  });
}

/// out = the gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products:
///   slice 0: silu′·g₀ + silu″·(Σₘ gₘFₘ + S·g_S) + silu‴·Σₘ Fₘ²·g_S,
///   slice m: silu′·gₘ + 2 silu″·Fₘ·g_S,
///   slice K − 1: silu′·g_S.
template <class T>
void silu_jet_backward_as(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) {
  const T* gradient = g.data<T>();
  const T* p = products.data<T>();
  const T* b = bias.data<T>();
  T* z = out.data<T>();
  const JetLayout jet = jet_layout(products);
  launch_for_each("silu_jet_backward", jet.stride, [=] __device__(int64_t e) {
    const auto [a, sigma, first] = silu_at(p[e] + b[e % jet.width]);
    const T second = ebm::silu_second_derivative(a, sigma);
    const int64_t last = jet.slices - 1;
    const T curvature_gradient = gradient[last * jet.stride + e];  // g_S
    T squares = T(0), dots = T(0);
    for (int64_t m = 1; m < last; ++m) {
      const T direction = p[m * jet.stride + e];
      const T direction_gradient = gradient[m * jet.stride + e];
      squares += direction * direction;
      dots += direction * direction_gradient;
      z[m * jet.stride + e] = first * direction_gradient + T(2) * second * curvature_gradient * direction;
    }
    z[last * jet.stride + e] = first * curvature_gradient;
    z[e] = first * gradient[e] + second * (dots + p[last * jet.stride + e] * curvature_gradient) +
           ebm::silu_third_derivative(a, sigma) * squares * curvature_gradient;
  });
}

}  // namespace

void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                  const AdamCoefficients& coefficients) {
  with_type(parameter.dtype(), [&](auto zero) {
    adam_update_as<decltype(zero)>(parameter, first_moment, second_moment, gradient, coefficients);
  });
}

void silu_backward(const Tensor& g, const Tensor& a, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { silu_backward_as<decltype(zero)>(g, a, out); });
}

void silu_second_derivative(const Tensor& a, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { silu_second_derivative_as<decltype(zero)>(a, out); });
}

void silu_third_derivative(const Tensor& a, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { silu_third_derivative_as<decltype(zero)>(a, out); });
}

void silu_jet(const Tensor& products, const Tensor& bias, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { silu_jet_as<decltype(zero)>(products, bias, out); });
}

void silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { silu_jet_backward_as<decltype(zero)>(g, products, bias, out); });
}

}  // namespace ebm::cuda
