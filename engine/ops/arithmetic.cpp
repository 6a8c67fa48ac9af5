// + − × ÷ with broadcasting, the scalar forms, comparisons and where. The gradient of a
// broadcast operand is summed back to its own shape with sum_to.
#include "engine/ops/op_support.hpp"

namespace ebm {
using ops::broadcast_binary;
using ops::if_needed;

/// a + b; d/da = 1, d/db = 1.
Tensor operator+(const Tensor& a, const Tensor& b) {
  return record(broadcast_binary(BinaryKernel::Add, "add", a, b), "add", {a, b}, {}, SaveOutput::No,
                [a_shape = a.shape(), b_shape = b.shape()](const Node& node, const Tensor& g) -> Gradients {
                  return {if_needed(node, 0, [&] { return sum_to(g, a_shape); }),
                          if_needed(node, 1, [&] { return sum_to(g, b_shape); })};
                });
}

/// a − b; d/da = 1, d/db = −1.
Tensor operator-(const Tensor& a, const Tensor& b) {
  return record(broadcast_binary(BinaryKernel::Subtract, "subtract", a, b), "subtract", {a, b}, {}, SaveOutput::No,
                [a_shape = a.shape(), b_shape = b.shape()](const Node& node, const Tensor& g) -> Gradients {
                  return {if_needed(node, 0, [&] { return sum_to(g, a_shape); }),
                          if_needed(node, 1, [&] { return -sum_to(g, b_shape); })};
                });
}

/// An operand is saved only when the other operand's gradient needs it.
Tensor if_required(const Tensor& saved, const Tensor& other) { return other.requires_grad() ? saved : Tensor(); }

/// a·b; d/da = b, d/db = a.
Tensor operator*(const Tensor& a, const Tensor& b) {
  return record(broadcast_binary(BinaryKernel::Multiply, "multiply", a, b), "multiply", {a, b},
                {if_required(a, b), if_required(b, a)},
                SaveOutput::No, [a_shape = a.shape(), b_shape = b.shape()](const Node& node, const Tensor& g) -> Gradients {
                  return {if_needed(node, 0, [&] { return sum_to(g * node.saved(1), a_shape); }),
                          if_needed(node, 1, [&] { return sum_to(g * node.saved(0), b_shape); })};
                });
}

/// a/b; d/da = 1/b, d/db = −a/b².
Tensor operator/(const Tensor& a, const Tensor& b) {
  return record(broadcast_binary(BinaryKernel::Divide, "divide", a, b), "divide", {a, b}, {if_required(a, b), b},
                SaveOutput::No,
                [a_shape = a.shape(), b_shape = b.shape()](const Node& node, const Tensor& g) -> Gradients {
                  const Tensor b = node.saved(1);
                  return {if_needed(node, 0, [&] { return sum_to(g / b, a_shape); }),
                          if_needed(node, 1, [&] { return sum_to(-(g * node.saved(0)) / square(b), b_shape); })};
                });
}

/// scale·a + shift; d/da = scale.
Tensor affine(const Tensor& a, double scale, double shift) {
  ops::check_defined("affine", a);
  Tensor out = ops::empty_with(a, a.shape());
  backend(a.device()).affine(a, scale, shift, out);
  return record(std::move(out), "affine", {a}, {}, SaveOutput::No,
                [scale](const Node&, const Tensor& g) -> Gradients { return {affine(g, scale, 0.0)}; });
}

Tensor operator-(const Tensor& a) { return affine(a, -1.0, 0.0); }
Tensor operator+(const Tensor& a, double b) { return affine(a, 1.0, b); }
Tensor operator+(double a, const Tensor& b) { return affine(b, 1.0, a); }
Tensor operator-(const Tensor& a, double b) { return affine(a, 1.0, -b); }
Tensor operator-(double a, const Tensor& b) { return affine(b, -1.0, a); }
Tensor operator*(const Tensor& a, double b) { return affine(a, b, 0.0); }
Tensor operator*(double a, const Tensor& b) { return affine(b, a, 0.0); }
Tensor operator/(const Tensor& a, double b) { return affine(a, 1.0 / b, 0.0); }
Tensor operator/(double a, const Tensor& b) { return affine(pow(b, -1.0), a, 0.0); }

Tensor greater(const Tensor& a, const Tensor& b) { return broadcast_binary(BinaryKernel::Greater, "greater", a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return broadcast_binary(BinaryKernel::Less, "less", a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) {
  return broadcast_binary(BinaryKernel::GreaterEqual, "greater_equal", a, b);
}
Tensor less_equal(const Tensor& a, const Tensor& b) {
  return broadcast_binary(BinaryKernel::LessEqual, "less_equal", a, b);
}
Tensor greater(const Tensor& a, double b) { return greater(a, ops::scalar_like(a, b)); }
Tensor less(const Tensor& a, double b) { return less(a, ops::scalar_like(a, b)); }
Tensor greater_equal(const Tensor& a, double b) { return greater_equal(a, ops::scalar_like(a, b)); }
Tensor less_equal(const Tensor& a, double b) { return less_equal(a, ops::scalar_like(a, b)); }

/// cond ≠ 0 ? a : b; d/da = [cond], d/db = [¬cond] (cond itself gets no gradient).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  ops::check_compatible("where", a, b);
  ops::check_compatible("where", cond, a);
  const Shape shape = broadcast_shapes("where", cond.shape(), broadcast_shapes("where", a.shape(), b.shape()));
  Tensor out = ops::empty_with(a, shape);
  backend(a.device()).where(cond, a, b, out);
  const Tensor condition = cond.detach();
  return record(std::move(out), "where", {a, b}, {condition}, SaveOutput::No,
                [a_shape = a.shape(), b_shape = b.shape()](const Node& node, const Tensor& g) -> Gradients {
                  const Tensor c = node.saved(0);
                  const Tensor zero = ops::scalar_like(g, 0.0);
                  return {if_needed(node, 0, [&] { return sum_to(where(c, g, zero), a_shape); }),
                          if_needed(node, 1, [&] { return sum_to(where(c, zero, g), b_shape); })};
                });
}

}  // namespace ebm
