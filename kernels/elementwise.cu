// Elementwise kernels: maps of one tensor, and maps of several with NumPy broadcasting through a
// StridedSpace (kernels/index.hpp), each element computed by the functions of
// kernels/scalar_functions.hpp, which follow the CPU backend's semantics. SiLU's derivatives are
// fused kernels (kernels/fused.cu).
#include "kernels/kernels.hpp"
#include "kernels/launch.cuh"
#include "kernels/scalar_functions.hpp"

namespace ebm::cuda {
namespace {

template <class T>
void fill_as(Tensor& out, double value) {
  T* z = out.data<T>();
  const T v = static_cast<T>(value);
  launch_for_each("fill", out.numel(), [=] __device__(int64_t i) { z[i] = v; });
}

template <class From, class To>
void convert_as(const Tensor& a, Tensor& out) {
  const From* x = a.data<From>();
  To* z = out.data<To>();
  launch_for_each("convert", out.numel(), [=] __device__(int64_t i) { z[i] = static_cast<To>(x[i]); });
}

/// z = f(x) over a tensor's elements, packed where it can (launch_map).
template <class T, class F>
void map_elements(const char* op, const Tensor& a, Tensor& out, F f) {
  const int64_t n = out.numel();
  launch_map(op, contiguous_space<1>(n), n, out.data<T>(), MapInputs<T, 1>{{a.data<T>()}}, f);
}

template <class T>
void unary_as(UnaryKernel kernel, const Tensor& a, Tensor& out) {
  map_elements<T>("unary", a, out, [=] __device__(const T(&v)[1]) { return unary_function(kernel, v[0]); });
}

template <class T>
void affine_as(const Tensor& a, double scale, double shift, Tensor& out) {
  const T s = static_cast<T>(scale), t = static_cast<T>(shift);
  map_elements<T>("affine", a, out, [=] __device__(const T(&v)[1]) { return v[0] * s + t; });
}

template <class T>
void power_as(const Tensor& a, double exponent, Tensor& out) {
  const T p = static_cast<T>(exponent);
  map_elements<T>("power", a, out, [=] __device__(const T(&v)[1]) { return scalar::pow(v[0], p); });
}

/// max then min, as the CPU: NaN stays NaN.
template <class T>
void clamp_as(const Tensor& a, double low, double high, Tensor& out) {
  const T lo = static_cast<T>(low), hi = static_cast<T>(high);
  map_elements<T>("clamp", a, out, [=] __device__(const T(&v)[1]) {
    const T raised = v[0] < lo ? lo : v[0];
    return raised > hi ? hi : raised;
  });
}

template <class T>
void binary_as(BinaryKernel kernel, const Tensor& a, const Tensor& b, Tensor& out) {
  const auto space = strided_space<2>("binary", out.shape(), {a.shape(), b.shape()});
  launch_map("binary", space, out.numel(), out.data<T>(), MapInputs<T, 2>{{a.data<T>(), b.data<T>()}},
             [=] __device__(const T(&v)[2]) { return binary_function(kernel, v[0], v[1]); });
}

template <class T>
void where_as(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  const auto space = strided_space<3>("where", out.shape(), {cond.shape(), a.shape(), b.shape()});
  launch_map("where", space, out.numel(), out.data<T>(), MapInputs<T, 3>{{cond.data<T>(), a.data<T>(), b.data<T>()}},
             [] __device__(const T(&v)[3]) { return v[0] != T(0) ? v[1] : v[2]; });
}

/// a += scale · b in place: a is both the output and the first input.
template <class T>
void add_scaled_as(Tensor& a, const Tensor& b, double scale) {
  const T factor = static_cast<T>(scale);
  const auto space = strided_space<2>("add_scaled_", a.shape(), {a.shape(), b.shape()});
  launch_map("add_scaled_", space, a.numel(), a.data<T>(), MapInputs<T, 2>{{a.data<T>(), b.data<T>()}},
             [=] __device__(const T(&v)[2]) { return v[0] + factor * v[1]; });
}

template <class T>
void expand_as(const Tensor& a, Tensor& out) {
  const auto space = strided_space<1>("expand", out.shape(), {a.shape()});
  launch_map("expand", space, out.numel(), out.data<T>(), MapInputs<T, 1>{{a.data<T>()}},
             [] __device__(const T(&v)[1]) { return v[0]; });
}

}  // namespace

void fill(Tensor& out, double value) {
  with_type(out.dtype(), [&](auto zero) { fill_as<decltype(zero)>(out, value); });
}

void convert(const Tensor& a, Tensor& out) {
  with_type(a.dtype(), [&](auto from) {
    with_type(out.dtype(), [&](auto to) { convert_as<decltype(from), decltype(to)>(a, out); });
  });
}

void unary(UnaryKernel kernel, const Tensor& a, Tensor& out) {
  with_type(a.dtype(), [&](auto zero) { unary_as<decltype(zero)>(kernel, a, out); });
}

void affine(const Tensor& a, double scale, double shift, Tensor& out) {
  with_type(a.dtype(), [&](auto zero) { affine_as<decltype(zero)>(a, scale, shift, out); });
}

void power(const Tensor& a, double exponent, Tensor& out) {
  with_type(a.dtype(), [&](auto zero) { power_as<decltype(zero)>(a, exponent, out); });
}

void clamp(const Tensor& a, double low, double high, Tensor& out) {
  with_type(a.dtype(), [&](auto zero) { clamp_as<decltype(zero)>(a, low, high, out); });
}

void binary(BinaryKernel kernel, const Tensor& a, const Tensor& b, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { binary_as<decltype(zero)>(kernel, a, b, out); });
}

void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { where_as<decltype(zero)>(cond, a, b, out); });
}

void add_scaled_(Tensor& a, const Tensor& b, double scale) {
  with_type(a.dtype(), [&](auto zero) { add_scaled_as<decltype(zero)>(a, b, scale); });
}

void expand(const Tensor& a, Tensor& out) {
  with_type(out.dtype(), [&](auto zero) { expand_as<decltype(zero)>(a, out); });
}

}  // namespace ebm::cuda
