// The differentiable ops. Each is differentiable to any order: its derivative rule, next to its
// forward in engine/ops/, is written in these same ops. Binary ops broadcast as NumPy does.
// d/da below is the derivative the rule applies to the incoming gradient g.
#pragma once

#include <vector>

#include "engine/adam_coefficients.hpp"
#include "engine/tensor.hpp"

namespace ebm {

// Arithmetic (engine/ops/arithmetic.cpp). Gradients of broadcast operands are summed back to
// their own shapes.
Tensor operator+(const Tensor& a, const Tensor& b);  // d/da = 1, d/db = 1
Tensor operator-(const Tensor& a, const Tensor& b);  // d/da = 1, d/db = −1
Tensor operator*(const Tensor& a, const Tensor& b);  // d/da = b, d/db = a
Tensor operator/(const Tensor& a, const Tensor& b);  // d/da = 1/b, d/db = −a/b²
Tensor operator-(const Tensor& a);                   // d/da = −1
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);
/// scale·a + shift, the primitive behind the scalar operators. d/da = scale.
Tensor affine(const Tensor& a, double scale, double shift);

/// 1 where the comparison holds, else 0 (same dtype; not differentiable: never requires grad).
Tensor greater(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, double b);
Tensor less(const Tensor& a, double b);
Tensor greater_equal(const Tensor& a, double b);
Tensor less_equal(const Tensor& a, double b);
/// cond ≠ 0 ? a : b elementwise, broadcasting all three. d/da = [cond], d/db = [¬cond].
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

// Elementwise functions (engine/ops/elementwise.cpp).
Tensor exp(const Tensor& a);       // d/da = exp(a)
Tensor log(const Tensor& a);       // d/da = 1/a
Tensor sqrt(const Tensor& a);      // d/da = 1/(2√a)
Tensor square(const Tensor& a);    // d/da = 2a
Tensor pow(const Tensor& a, double exponent);  // d/da = p·aᵖ⁻¹
Tensor abs(const Tensor& a);       // d/da = sign(a) (0 at 0)
Tensor sin(const Tensor& a);       // d/da = cos(a)
Tensor cos(const Tensor& a);       // d/da = −sin(a)
Tensor tanh(const Tensor& a);      // d/da = 1 − tanh²(a)
Tensor sigmoid(const Tensor& a);   // σ(a) = 1/(1 + e⁻ᵃ); d/da = σ(a)(1 − σ(a))
Tensor softplus(const Tensor& a);  // log(1 + eᵃ), stable for large |a|; d/da = σ(a)
Tensor relu(const Tensor& a);      // max(a, 0); d/da = [a > 0]
Tensor silu(const Tensor& a);      // a·σ(a); d/da = silu′(a) = σ(a)(1 + a(1 − σ(a)))
/// g·silu′(a), SiLU's backward as one kernel (so backward through an MLP is one pass per layer);
/// d/dg = silu′(a), d/da = g·silu″(a).
Tensor silu_backward(const Tensor& g, const Tensor& a);
/// silu″(a) = s(2 + at) with s = σ(a)(1 − σ(a)), t = 1 − 2σ(a), as one kernel; d/da = silu‴(a).
Tensor silu_second_derivative(const Tensor& a);
/// silu‴(a) = s(3t + a(1 − 6s)) as one kernel; d/da = silu⁗(a).
Tensor silu_third_derivative(const Tensor& a);
/// silu⁗(a) = s(4(1 − 6s) + at(1 − 12s)), composed of the ops above (no kernel of its own).
Tensor silu_fourth_derivative(const Tensor& a);
Tensor clamp(const Tensor& a, double low, double high);  // d/da = [low ≤ a ≤ high]
/// −1, 0 or 1; not differentiable (never requires grad).
Tensor sign(const Tensor& a);
/// A copy with its own storage; d/da = 1.
Tensor clone(const Tensor& a);
/// Converts the element type; the gradient is converted back.
Tensor cast(const Tensor& a, DType dtype);

// SiLU's second-order jet (engine/ops/silu_jet.cpp): one SiLU layer of the forward Laplacian and
// of forward directional derivatives (nn::MLP) as one kernel. A packed jet [K, N, W] holds in
// slice 0 a layer's values, in slices 1 … K − 2 their derivatives along M = K − 2 directions Fₘ,
// in slice K − 1 the sum S of their second derivatives along the directions.
/// The jet after SiLU of the layer's products [K, N, W] (K ≥ 2) and bias [W], a = products[0] + bias:
/// (silu(a), silu′(a)·Fₘ, silu′(a)·S + silu″(a)·Σₘ Fₘ²). d/dproducts = silu_jet_backward,
/// d/dbias = its slice 0 summed over the rows.
Tensor silu_jet(const Tensor& products, const Tensor& bias);
/// The gradient of ⟨g, silu_jet(products, bias)⟩ with respect to products, as one kernel:
/// slice 0 silu′·g₀ + silu″·(Σₘ gₘFₘ + S·g_S) + silu‴·Σₘ Fₘ²·g_S, slice m silu′·gₘ + 2silu″·Fₘ·g_S,
/// slice K − 1 silu′·g_S. Its own rule (in ops) needs silu⁗.
Tensor silu_jet_backward(const Tensor& g, const Tensor& products, const Tensor& bias);

// Reductions and broadcasting (engine/ops/reduction.cpp).
/// a broadcast to `shape` (materialised). d/da = sum_to(g, a.shape).
Tensor expand(const Tensor& a, const Shape& shape);
/// Sums a over the dimensions along which `shape` broadcasts to a's shape. d/da = expand(g, a.shape).
Tensor sum_to(const Tensor& a, const Shape& shape);
/// Σ of all elements: a zero-dimensional tensor.
Tensor sum(const Tensor& a);
Tensor sum(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, int64_t dim, bool keepdim = false);
/// log Σ exp(a) along dim, computed as m + log Σ exp(a − m) with m = max (detached: the value
/// does not depend on m, so neither does any derivative).
Tensor logsumexp(const Tensor& a, int64_t dim, bool keepdim = false);
/// Maximum along dim; not differentiable (never requires grad).
Tensor amax(const Tensor& a, int64_t dim, bool keepdim = false);

// Shapes (engine/ops/shape.cpp).
/// Same elements in a new shape (shares storage); one extent may be −1 (inferred).
Tensor reshape(const Tensor& a, const Shape& shape);
/// aᵀ of a 2-D tensor.
Tensor transpose(const Tensor& a);
Tensor unsqueeze(const Tensor& a, int64_t dim);
/// Drops every dimension of extent 1.
Tensor squeeze(const Tensor& a);
/// Drops dimension dim, which must have extent 1.
Tensor squeeze(const Tensor& a, int64_t dim);
/// a[…, start:end, …] along dim (Python-style negative indices). d/da = g placed into zeros.
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end);
/// a[…, index, …]: the slice of width 1 with dim removed.
Tensor select(const Tensor& a, int64_t dim, int64_t index);
/// Zeros of `shape` with a placed at start along dim: the adjoint of slice. d/da = slice(g).
Tensor slice_backward(const Tensor& a, const Shape& shape, int64_t dim, int64_t start);
/// Concatenation along dim. d/dtensorsₖ = the k-th slice of g.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim);

// Linear algebra (engine/ops/matmul.cpp).
/// a·b for 2-D a [n, k] and b [k, m]. d/da = g·bᵀ, d/db = aᵀ·g.
Tensor matmul(const Tensor& a, const Tensor& b);
/// op(a)·op(b) with op = transpose where asked: matmul without materialising transposes.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b);
/// x·W + b for x [N, in], W [in, out] and b broadcastable to [N, out] (usually [out]), as one op:
/// the product accumulates onto the bias, so there is no separate pass to add it.
/// d/dx = g·Wᵀ, d/dW = xᵀ·g, d/db = g summed to b's shape.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// Rows and devices (engine/ops/rows.cpp, engine/ops/device.cpp).
/// a's rows at `rows` along dimension 0, in that order: [rows.size(), …], every index in
/// [0, a.size(0)). d/da = scatter_add_rows(zeros_like(a), rows, g).
Tensor gather_rows(const Tensor& a, const std::vector<int64_t>& rows);
/// `into` with src's rows added at `rows` (repeated rows add up). d/dinto = g, d/dsrc = gather_rows(g, rows).
Tensor scatter_add_rows(const Tensor& into, const std::vector<int64_t>& rows, const Tensor& src);
/// a on `device` (a copy; a itself when it is there already). d/da = g moved back to a's device.
Tensor to_device(const Tensor& a, Device device);

// In-place updates: not recorded; on a tensor that requires grad they are allowed only under
// NoGradGuard (as copy_). They bump the tensors' versions, so a saved copy is known to be stale.
/// into[rows[i], …] = src[i, …] for distinct rows (src converted to into's dtype and device).
Tensor& scatter_rows_(Tensor& into, const std::vector<int64_t>& rows, const Tensor& src);
/// One Adam step in place, in one pass where the device has the fused kernel: g = gradient +
/// weight_decay·θ; m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − step_size·m/(√(second_moment_scale·v) + ε).
void adam_update_(Tensor& parameter, Tensor& first_moment, Tensor& second_moment, const Tensor& gradient,
                  const AdamCoefficients& coefficients);

}  // namespace ebm
