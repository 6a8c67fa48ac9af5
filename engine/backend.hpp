// The kernel interface: everything that touches tensor memory goes through one Backend per
// device. Ops and autograd are written against this interface only, so a device is added by
// implementing it (see docs/backends.md); nothing above this file knows which device runs.
//
// A device implements the primitives. The fused kernels (SiLU's derivatives and jet, Adam's
// update) each have a composite fallback written in primitives (namespace composite below), so
// a device runs everything once its primitives pass; overriding a fused kernel is a speed-up,
// tested against its fallback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/adam_coefficients.hpp"
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
  Silu,      // x·σ(x)
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
};

class Backend {
 public:
  virtual ~Backend() = default;

  // ---- Primitives: every device implements these. ----

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
  /// out[i, …] = a[rows[i], …] along dimension 0 (each row index in [0, a.size(0))).
  virtual void gather_rows(const Tensor& a, const std::vector<int64_t>& rows, Tensor& out) const = 0;
  /// out[rows[i], …] = src[i, …], or += with `accumulate` (repeated rows then add up, in order);
  /// the other rows of out are left as they are. Without `accumulate` the rows are distinct.
  virtual void scatter_rows(const Tensor& src, const std::vector<int64_t>& rows, Tensor& out, bool accumulate) const = 0;

  /// Fills out from the Philox stream of `seed`, starting at block `first_block`.
  virtual void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block) const = 0;
  virtual void random_normal(Tensor& out, uint64_t seed, uint64_t first_block) const = 0;

  // ---- Fused kernels: by default their composite fallbacks (namespace composite). ----
  // Operands have out's shape; the formulas are those of the ops of the same names (ops.hpp).

  /// out = g·silu′(a).
  virtual void silu_backward(const Tensor& g, const Tensor& a, Tensor& out) const;
  /// out = silu″(a).
  virtual void silu_second_derivative(const Tensor& a, Tensor& out) const;
  /// out = silu‴(a).
  virtual void silu_third_derivative(const Tensor& a, Tensor& out) const;
  /// SiLU's second-order jet (ops.hpp silu_jet) of products [K, N, W] and bias [W] into out [K, N, W].
  virtual void silu_jet(const Tensor& products, const Tensor& bias, Tensor& out) const;
  /// out [K, N, W] = the gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products.
  virtual void silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out) const;
  /// One Adam step in place (ops.hpp adam_update_).
  virtual void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                            const AdamCoefficients& coefficients) const;
};

/// The fused kernels written in a backend's primitives (engine/composite_kernels.cpp): what a
/// device runs until it overrides them, and the reference its overrides are tested against.
namespace composite {
void silu_backward(const Backend& backend, const Tensor& g, const Tensor& a, Tensor& out);
void silu_second_derivative(const Backend& backend, const Tensor& a, Tensor& out);
void silu_third_derivative(const Backend& backend, const Tensor& a, Tensor& out);
void silu_jet(const Backend& backend, const Tensor& products, const Tensor& bias, Tensor& out);
void silu_jet_backward(const Backend& backend, const Tensor& g, const Tensor& products, const Tensor& bias, Tensor& out);
void adam_update_(const Backend& backend, Tensor& parameter, Tensor& first_moment, Tensor& second_moment,
                  const Tensor& gradient, const AdamCoefficients& coefficients);
}  // namespace composite

/// The backend of a device; throws std::runtime_error naming the device when this build or this
/// machine cannot run it.
const Backend& backend(Device device);

}  // namespace ebm
