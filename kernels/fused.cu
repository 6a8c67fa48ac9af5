// Fused kernels: Adam's update in one pass, SiLU's derivatives, and its second-order jet and
// backward (ops.hpp silu_jet / silu_jet_backward, derived in docs/autodiff.md), one thread per
// element of a [N, W] slice looping over the jet's K slices, σ evaluated once. The per-element
// functions are kernels/scalar_functions.hpp's.
#include "kernels/kernels.hpp"
#include "kernels/launch.cuh"
#include "kernels/scalar_functions.hpp"

namespace ebm::cuda {
namespace {

template <class T>
void adam_update_as(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                    const AdamCoefficients& coefficients) {
  T* theta = parameter.data<T>();
  T* m = first_moment.data<T>();
  T* v = second_moment.data<T>();
  const T* g = gradient.data<T>();
  launch_for_each("adam_update_", parameter.numel(),
                  [=] __device__(int64_t i) { adam_element(theta[i], m[i], v[i], g[i], coefficients); });
}

/// g·silu′(a), silu″(a) and silu‴(a) elementwise, σ evaluated once, packed where they can be.
template <class T>
void silu_backward_as(const Tensor& g, const Tensor& a, Tensor& out) {
  const int64_t n = out.numel();
  launch_map("silu_backward", contiguous_space<2>(n), n, out.data<T>(), MapInputs<T, 2>{{g.data<T>(), a.data<T>()}},
             [] __device__(const T(&v)[2]) { return silu_backward_function(v[0], v[1]); });
}

template <class T>
void silu_second_derivative_as(const Tensor& a, Tensor& out) {
  const int64_t n = out.numel();
  launch_map("silu_second_derivative", contiguous_space<1>(n), n, out.data<T>(), MapInputs<T, 1>{{a.data<T>()}},
             [] __device__(const T(&v)[1]) { return silu_second_derivative_function(v[0]); });
}

template <class T>
void silu_third_derivative_as(const Tensor& a, Tensor& out) {
  const int64_t n = out.numel();
  launch_map("silu_third_derivative", contiguous_space<1>(n), n, out.data<T>(), MapInputs<T, 1>{{a.data<T>()}},
             [] __device__(const T(&v)[1]) { return silu_third_derivative_function(v[0]); });
}

JetLayout jet_layout(const Tensor& products) { return {products.size(0), products.size(1) * products.size(2), products.size(2)}; }

template <class T>
void silu_jet_as(const Tensor& products, const Tensor& bias, Tensor& out) {
  const T* p = products.data<T>();
  const T* b = bias.data<T>();
  T* z = out.data<T>();
  const JetLayout jet = jet_layout(products);
  launch_for_each("silu_jet", jet.stride, [=] __device__(int64_t e) { silu_jet_element(p, b, z, jet, e); });
}

template <class T>
void silu_jet_backward_as(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) {
  const T* gradient = g.data<T>();
  const T* p = products.data<T>();
  const T* b = bias.data<T>();
  T* z = out.data<T>();
  const JetLayout jet = jet_layout(products);
  launch_for_each("silu_jet_backward", jet.stride, [=] __device__(int64_t e) { silu_jet_backward_element(gradient, p, b, z, jet, e); });
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
