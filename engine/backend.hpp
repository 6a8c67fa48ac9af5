// The kernel interface: everything that touches tensor memory goes through one Backend per
// device. Ops and autograd are written against this interface only, so a device is added by
// implementing it (see docs/backends.md); nothing above this file knows which device runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/tensor.hpp"

namespace ebm {

/// Elementwise maps y = f(x).
enum class UnaryKernel {
  Exp,       // eˣ
  Log,       // ln x
  Sqrt,      // √x
  Square,    // x²
  Abs,       // |x|
  Sign,      // −1, 0 or 1
  Sin,
  Cos,
  Tanh,
  Sigmoid,   // 1 / (1 + e⁻ˣ)
  Softplus,  // ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|), stable for large |x|
  Relu,      // max(x, 0)
  Silu,                  // x·σ(x)
  SiluSecondDerivative,  // d²/dx² x·σ(x) = s(2 + xt) with s = σ(x)(1 − σ(x)), t = 1 − 2σ(x)
  SiluThirdDerivative,   // d³/dx³ x·σ(x) = s(3t + x(1 − 6s)), s and t as above
};

/// Elementwise maps z = f(x, y) with NumPy broadcasting. Comparisons give 1 for true, 0 for false.
enum class BinaryKernel {
  Add,
  Subtract,
  Multiply,
  Divide,
  Greater,
  Less,
  GreaterEqual,
  LessEqual,
  SiluBackward,  // x·silu′(y) = x·σ(y)(1 + y(1 − σ(y))): SiLU's backward, gradient x at input y
};

/// The scalars of one Adam update (Backend::adam_update_).
struct AdamCoefficients {
  double beta1;
  double beta2;
  double eps;
  double weight_decay;
  double step_size;            // lr / (1 − β₁ᵗ)
  double second_moment_scale;  // 1 / (1 − β₂ᵗ)
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual void* allocate(std::size_t bytes) const = 0;
  virtual void deallocate(void* data) const = 0;
  /// Frees a buffer of the given size (allocators that keep buffers for reuse need it).
  virtual void deallocate(void* data, std::size_t /*bytes*/) const { deallocate(data); }
  virtual void copy_from_host(void* device_data, const void* host_data, std::size_t bytes) const = 0;
  virtual void copy_to_host(void* host_data, const void* device_data, std::size_t bytes) const = 0;

  virtual void fill(Tensor& out, double value) const = 0;
  /// out = a converted to out's dtype.
  virtual void convert(const Tensor& a, Tensor& out) const = 0;
  virtual void unary(UnaryKernel kernel, const Tensor& a, Tensor& out) const = 0;
  /// out = scale·a + shift.
  virtual void affine(const Tensor& a, double scale, double shift, Tensor& out) const = 0;
  /// out = aᵖ.
  virtual void power(const Tensor& a, double exponent, Tensor& out) const = 0;
  /// out = min(max(a, low), high).
  virtual void clamp(const Tensor& a, double low, double high, Tensor& out) const = 0;
  /// out = f(a, b), a and b broadcast to out's shape.
  virtual void binary(BinaryKernel kernel, const Tensor& a, const Tensor& b, Tensor& out) const = 0;
  /// out = cond ≠ 0 ? a : b, all three broadcast to out's shape.
  virtual void where(const Tensor& cond, const Tensor& a, const Tensor& b, Tensor& out) const = 0;
  /// a += scale·b in place, b broadcast to a's shape.
  virtual void add_scaled_(Tensor& a, const Tensor& b, double scale) const = 0;

  /// One Adam step in place, elementwise, in one pass: g = gradient + weight_decay·θ;
  /// m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − step_size·m / (√(second_moment_scale·v) + ε).
  virtual void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                            const AdamCoefficients& coefficients) const = 0;

  /// SiLU's second-order jet (ops.hpp silu_jet) of products [K, N, W] and bias [W] into out [K, N, W].
  virtual void silu_jet(const Tensor& products, const Tensor& bias, Tensor& out) const = 0;
  /// out [K, N, W] = the gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products.
  virtual void silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) const = 0;

  /// out = a broadcast to out's shape.
  virtual void expand(const Tensor& a, Tensor& out) const = 0;
  /// out = Σ of a over the dimensions where out's shape (right-aligned) has extent 1 or none.
  virtual void sum_to(const Tensor& a, Tensor& out) const = 0;
  /// As sum_to, with max in place of Σ.
  virtual void max_to(const Tensor& a, Tensor& out) const = 0;

  /// out = op(a)·op(b) for 2-D a and b, op transposing when asked; with `accumulate`,
  /// out += op(a)·op(b) (so a bias written into out first costs no extra pass).
  virtual void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out,
                      bool accumulate) const = 0;
  /// out = aᵀ for 2-D a.
  virtual void transpose(const Tensor& a, Tensor& out) const = 0;
  /// out = a[…, start : start + out.size(dim), …] along dim.
  virtual void slice(const Tensor& a, int64_t dim, int64_t start, Tensor& out) const = 0;
  /// out[…, start : start + src.size(dim), …] = src along dim; the rest of out is left as it is.
  virtual void slice_assign(const Tensor& src, int64_t dim, int64_t start, Tensor& out) const = 0;

  /// Fills out from the Philox stream of `seed`, starting at block `first_block`.
  virtual void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block) const = 0;
  virtual void random_normal(Tensor& out, uint64_t seed, uint64_t first_block) const = 0;
};

/// The backend of a device; throws std::runtime_error naming the device when this build or this
/// machine cannot run it.
const Backend& backend(Device device);

}  // namespace ebm
