// The fused kernels written in a backend's primitives: the default of every fused virtual of
// Backend, so a new device runs everything once its primitives pass, and the reference each
// device's fused override is tested against (tests/fused_kernels_test.cpp). The formulas are the
// ops' (ops.hpp; docs/autodiff.md derives them); temporaries live on the operands' device.
#include "engine/backend.hpp"

namespace ebm {
namespace {

/// A new tensor of `like`'s dtype and device, of `shape` (like's own by default).
Tensor temporary(const Tensor& like, const Shape& shape) { return empty(shape, like.dtype(), like.device()); }
Tensor temporary(const Tensor& like) { return temporary(like, like.shape()); }

/// A new tensor of x's dtype and device, of x and y's broadcast shape (not the larger operand's:
/// [1, 0, W] with [W] is [1, 0, W]).
Tensor broadcast_temporary(const Tensor& x, const Tensor& y) {
  return temporary(x, broadcast_shapes("composite kernel", x.shape(), y.shape()));
}

Tensor multiply(const Backend& b, const Tensor& x, const Tensor& y) {
  Tensor out = broadcast_temporary(x, y);
  b.binary(BinaryKernel::Multiply, x, y, out);
  return out;
}

Tensor affine(const Backend& b, const Tensor& x, double scale, double shift) {
  Tensor out = temporary(x);
  b.affine(x, scale, shift, out);
  return out;
}

/// The logistic quantities of a that SiLU's derivatives share: σ, s = σ(1 − σ), t = 1 − 2σ.
struct Logistic {
  Tensor sigma, s, t;

  Logistic(const Backend& b, const Tensor& a) : sigma(temporary(a)) {
    b.unary(UnaryKernel::Sigmoid, a, sigma);
    const Tensor one_minus_sigma = affine(b, sigma, -1, 1);
    s = multiply(b, sigma, one_minus_sigma);
    t = affine(b, sigma, -2, 1);
  }
};

Tensor add(const Backend& b, const Tensor& x, const Tensor& y) {
  Tensor out = broadcast_temporary(x, y);
  b.binary(BinaryKernel::Add, x, y, out);
  return out;
}

/// silu′(a) = σ(1 + a(1 − σ)) = σ + as.
Tensor first_derivative(const Backend& b, const Tensor& a, const Logistic& l) { return add(b, l.sigma, multiply(b, a, l.s)); }

/// silu″(a) = s(2 + at).
Tensor second_derivative(const Backend& b, const Tensor& a, const Logistic& l) {
  return multiply(b, l.s, affine(b, multiply(b, a, l.t), 1, 2));
}

/// silu‴(a) = s(3t + a(1 − 6s)).
Tensor third_derivative(const Backend& b, const Tensor& a, const Logistic& l) {
  return multiply(b, l.s, add(b, affine(b, l.t, 3, 0), multiply(b, a, affine(b, l.s, -6, 1))));
}

/// Slices [begin, end) of a packed jet [K, N, W] along dimension 0.
Tensor slices(const Backend& b, const Tensor& jet, int64_t begin, int64_t end) {
  Tensor out = temporary(jet, {end - begin, jet.size(1), jet.size(2)});
  b.slice(jet, 0, begin, out);
  return out;
}

/// Σₘ xₘ·yₘ over dimension 0 of [M, N, W] operands, kept as [1, N, W].
Tensor sum_of_products(const Backend& b, const Tensor& x, const Tensor& y) {
  Tensor out = temporary(x, {1, x.size(1), x.size(2)});
  b.sum_to(multiply(b, x, y), out);
  return out;
}

}  // namespace

namespace composite {

void silu_backward(const Backend& b, const Tensor& g, const Tensor& a, Tensor& out) {
  b.binary(BinaryKernel::Multiply, g, first_derivative(b, a, Logistic(b, a)), out);
}

void silu_second_derivative(const Backend& b, const Tensor& a, Tensor& out) {
  b.convert(second_derivative(b, a, Logistic(b, a)), out);
}

void silu_third_derivative(const Backend& b, const Tensor& a, Tensor& out) {
  b.convert(third_derivative(b, a, Logistic(b, a)), out);
}

/// out = (silu(a), silu′(a)·Fₘ, silu′(a)·S + silu″(a)·Σₘ Fₘ²) with a = products[0] + bias.
void silu_jet(const Backend& b, const Tensor& products, const Tensor& bias, Tensor& out) {
  const int64_t last = products.size(0) - 1;
  const Tensor a = add(b, slices(b, products, 0, 1), bias);
  const Logistic l(b, a);
  const Tensor first = first_derivative(b, a, l);
  const Tensor directions = slices(b, products, 1, last);
  const Tensor curvature = slices(b, products, last, last + 1);
  Tensor value = temporary(a);
  b.unary(UnaryKernel::Silu, a, value);
  b.slice_assign(value, 0, 0, out);
  if (last > 1) b.slice_assign(multiply(b, first, directions), 0, 1, out);
  Tensor new_curvature = multiply(b, first, curvature);
  if (last > 1) b.add_scaled_(new_curvature, multiply(b, second_derivative(b, a, l), sum_of_products(b, directions, directions)), 1);
  b.slice_assign(new_curvature, 0, last, out);
}

/// out = the gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products:
///   slice 0: silu′·g₀ + silu″·(Σₘ gₘFₘ + S·g_S) + silu‴·Σₘ Fₘ²·g_S,
///   slice m: silu′·gₘ + 2 silu″·Fₘ·g_S,
///   slice K − 1: silu′·g_S.
void silu_jet_backward(const Backend& b, const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) {
  const int64_t last = products.size(0) - 1;
  const Tensor a = add(b, slices(b, products, 0, 1), bias);
  const Logistic l(b, a);
  const Tensor first = first_derivative(b, a, l);
  const Tensor second = second_derivative(b, a, l);
  const Tensor curvature = slices(b, products, last, last + 1);
  const Tensor g_value = slices(b, g, 0, 1);
  const Tensor g_curvature = slices(b, g, last, last + 1);
  Tensor value_gradient = multiply(b, first, g_value);
  b.add_scaled_(value_gradient, multiply(b, second, multiply(b, curvature, g_curvature)), 1);
  if (last > 1) {
    const Tensor directions = slices(b, products, 1, last);
    const Tensor g_directions = slices(b, g, 1, last);
    b.add_scaled_(value_gradient, multiply(b, second, sum_of_products(b, directions, g_directions)), 1);
    b.add_scaled_(value_gradient,
                  multiply(b, third_derivative(b, a, l), multiply(b, sum_of_products(b, directions, directions), g_curvature)), 1);
    Tensor directions_gradient = multiply(b, first, g_directions);
    b.add_scaled_(directions_gradient, multiply(b, multiply(b, second, g_curvature), directions), 2);
    b.slice_assign(directions_gradient, 0, 1, out);
  }
  b.slice_assign(value_gradient, 0, 0, out);
  b.slice_assign(multiply(b, first, g_curvature), 0, last, out);
}

void adam_update_(const Backend& b, Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                  const AdamCoefficients& c) {
  Tensor g = affine(b, gradient, 1, 0);
  b.add_scaled_(g, parameter, c.weight_decay);
  Tensor m = affine(b, first_moment, c.beta1, 0);
  b.add_scaled_(m, g, 1 - c.beta1);
  Tensor g_squared = temporary(g);
  b.unary(UnaryKernel::Square, g, g_squared);
  Tensor v = affine(b, second_moment, c.beta2, 0);
  b.add_scaled_(v, g_squared, 1 - c.beta2);
  Tensor denominator = temporary(v);
  b.unary(UnaryKernel::Sqrt, affine(b, v, c.second_moment_scale, 0), denominator);
  Tensor step = temporary(m);
  b.binary(BinaryKernel::Divide, m, affine(b, denominator, 1, c.eps), step);
  b.add_scaled_(parameter, step, -c.step_size);
  b.convert(m, first_moment);
  b.convert(v, second_moment);
}

}  // namespace composite

void Backend::silu_backward(const Tensor& g, const Tensor& a, Tensor& out) const { composite::silu_backward(*this, g, a, out); }
void Backend::silu_second_derivative(const Tensor& a, Tensor& out) const { composite::silu_second_derivative(*this, a, out); }
void Backend::silu_third_derivative(const Tensor& a, Tensor& out) const { composite::silu_third_derivative(*this, a, out); }
void Backend::silu_jet(const Tensor& products, const Tensor& bias, Tensor& out) const {
  composite::silu_jet(*this, products, bias, out);
}
void Backend::silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) const {
  composite::silu_jet_backward(*this, g, products, bias, out);
}
void Backend::adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                           const AdamCoefficients& coefficients) const {
  composite::adam_update_(*this, parameter, first_moment, second_moment, gradient, coefficients);
}

}  // namespace ebm
