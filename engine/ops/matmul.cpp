// Matrix product with optional transposes, so that derivative rules never materialise one, and
// the affine layer x·W + b.
#include <stdexcept>
#include <string>

#include "engine/ops/op_support.hpp"

namespace ebm {

Tensor matmul(const Tensor& a, const Tensor& b) { return matmul(a, b, false, false); }

/// C = op(A)·op(B). With g = ∂L/∂C:
///   ∂L/∂A = g·op(B)ᵀ, or op(B)·gᵀ when A enters transposed;
///   ∂L/∂B = op(A)ᵀ·g, or gᵀ·op(A) when B enters transposed.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  ops::check_compatible("matmul", a, b);
  if (a.dim() != 2 || b.dim() != 2) {
    throw std::invalid_argument("matmul: expects 2-D tensors, got shapes " + shape_string(a.shape()) + " and " +
                                shape_string(b.shape()));
  }
  const int64_t rows = transpose_a ? a.size(1) : a.size(0);
  const int64_t inner_a = transpose_a ? a.size(0) : a.size(1);
  const int64_t inner_b = transpose_b ? b.size(1) : b.size(0);
  const int64_t columns = transpose_b ? b.size(0) : b.size(1);
  if (inner_a != inner_b) {
    throw std::invalid_argument("matmul: shapes " + shape_string(a.shape()) + (transpose_a ? "ᵀ" : "") + " and " +
                                shape_string(b.shape()) + (transpose_b ? "ᵀ" : "") + " do not align: inner extents " +
                                std::to_string(inner_a) + " and " + std::to_string(inner_b) + " must match");
  }
  Tensor out = ops::empty_with(a, {rows, columns});
  backend(a.device()).matmul(a, transpose_a, b, transpose_b, out, /*accumulate=*/false);
  // ∂L/∂A needs only B and ∂L/∂B only A: save each operand only when the other needs a gradient.
  return record(std::move(out), "matmul", {a, b}, {b.requires_grad() ? a : Tensor(), a.requires_grad() ? b : Tensor()},
                SaveOutput::No, [transpose_a, transpose_b](const Node& node, const Tensor& g) -> Gradients {
                  Tensor grad_a;
                  Tensor grad_b;
                  if (node.needs_grad(0)) {
                    const Tensor b = node.saved(1);
                    grad_a = transpose_a ? matmul(b, g, transpose_b, true) : matmul(g, b, false, !transpose_b);
                  }
                  if (node.needs_grad(1)) {
                    const Tensor a = node.saved(0);
                    grad_b = transpose_b ? matmul(g, a, true, transpose_a) : matmul(a, g, !transpose_a, false);
                  }
                  return {grad_a, grad_b};
                });
}

/// x·W + b: the bias is broadcast into the output and the product accumulated onto it. With
/// g = ∂L/∂out: ∂L/∂x = g·Wᵀ, ∂L/∂W = xᵀ·g, ∂L/∂b = g summed to b's shape.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  ops::check_compatible("linear", x, weight);
  ops::check_compatible("linear", x, bias);
  if (x.dim() != 2 || weight.dim() != 2 || x.size(1) != weight.size(0)) {
    throw std::invalid_argument("linear: expects x [N, in] and weight [in, out], got shapes " + shape_string(x.shape()) +
                                " and " + shape_string(weight.shape()));
  }
  const Shape shape{x.size(0), weight.size(1)};
  const auto fits = [&](int64_t from_end) {  // the bias's extent that aligns with shape[1 − from_end]
    const int64_t extent = bias.size(bias.dim() - 1 - from_end);
    return extent == 1 || extent == shape[static_cast<std::size_t>(1 - from_end)];
  };
  if (bias.dim() > 2 || (bias.dim() >= 1 && !fits(0)) || (bias.dim() == 2 && !fits(1))) {
    throw std::invalid_argument("linear: bias of shape " + shape_string(bias.shape()) + " does not broadcast to the output " +
                                shape_string(shape) + "; expected [" + std::to_string(weight.size(1)) + "]");
  }
  Tensor out = ops::empty_with(x, shape);
  const Backend& device = backend(x.device());
  device.expand(bias, out);
  device.matmul(x, false, weight, false, out, /*accumulate=*/true);
  return record(std::move(out), "linear", {x, weight, bias},
                {weight.requires_grad() ? x : Tensor(), x.requires_grad() ? weight : Tensor()}, SaveOutput::No,
                [bias_shape = bias.shape()](const Node& node, const Tensor& g) -> Gradients {
                  return {ops::if_needed(node, 0, [&] { return matmul(g, node.saved(1), false, true); }),
                          ops::if_needed(node, 1, [&] { return matmul(node.saved(0), g, true, false); }),
                          ops::if_needed(node, 2, [&] { return sum_to(g, bias_shape); })};
                });
}

}  // namespace ebm
