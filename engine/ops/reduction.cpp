// Broadcasting and reductions. expand and sum_to are each other's adjoints, which makes every
// broadcast in the engine differentiable to any order.
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/ops/op_support.hpp"

namespace ebm {
namespace {

/// a's shape with extent 1 at dim.
Shape kept_shape(const Tensor& a, int64_t dim) {
  Shape shape = a.shape();
  shape[static_cast<std::size_t>(dim)] = 1;
  return shape;
}

}  // namespace

/// a broadcast to `shape`; d/da = sum_to(g, a.shape).
Tensor expand(const Tensor& a, const Shape& shape) {
  ops::check_defined("expand", a);
  if (a.shape() == shape) return a;
  if (a.dim() > static_cast<int64_t>(shape.size()) || broadcast_shapes("expand", a.shape(), shape) != shape) {
    throw std::invalid_argument("expand: shape " + shape_string(a.shape()) + " cannot be broadcast to " +
                                shape_string(shape));
  }
  Tensor out = ops::empty_with(a, shape);
  backend(a.device()).expand(a, out);
  return record(std::move(out), "expand", {a}, {}, SaveOutput::No,
                [a_shape = a.shape()](const Node&, const Tensor& g) -> Gradients { return {sum_to(g, a_shape)}; });
}

/// Σ over the dimensions along which `shape` broadcasts to a's shape; d/da = expand(g, a.shape).
Tensor sum_to(const Tensor& a, const Shape& shape) {
  ops::check_defined("sum_to", a);
  if (a.shape() == shape) return a;
  if (static_cast<int64_t>(shape.size()) > a.dim() || broadcast_shapes("sum_to", shape, a.shape()) != a.shape()) {
    throw std::invalid_argument("sum_to: shape " + shape_string(a.shape()) + " cannot be summed to " +
                                shape_string(shape) + " (the target must broadcast to the input's shape)");
  }
  Tensor out = ops::empty_with(a, shape);
  backend(a.device()).sum_to(a, out);
  return record(std::move(out), "sum_to", {a}, {}, SaveOutput::No,
                [a_shape = a.shape()](const Node&, const Tensor& g) -> Gradients { return {expand(g, a_shape)}; });
}

Tensor sum(const Tensor& a) {
  ops::check_defined("sum", a);
  return sum_to(a, {});
}

Tensor sum(const Tensor& a, int64_t dim, bool keepdim) {
  ops::check_defined("sum", a);
  const int64_t d = normalize_dim("sum", dim, a.dim());
  const Tensor kept = sum_to(a, kept_shape(a, d));
  return keepdim ? kept : squeeze(kept, d);
}

Tensor mean(const Tensor& a) {
  ops::check_defined("mean", a);
  if (a.numel() == 0) throw std::invalid_argument("mean: the tensor has no elements (shape " + shape_string(a.shape()) + ")");
  return sum(a) / static_cast<double>(a.numel());
}

Tensor mean(const Tensor& a, int64_t dim, bool keepdim) {
  ops::check_defined("mean", a);
  const int64_t d = normalize_dim("mean", dim, a.dim());
  if (a.size(d) == 0) {
    throw std::invalid_argument("mean: dimension " + std::to_string(dim) + " of shape " + shape_string(a.shape()) +
                                " is empty");
  }
  return sum(a, d, keepdim) / static_cast<double>(a.size(d));
}

Tensor amax(const Tensor& a, int64_t dim, bool keepdim) {
  ops::check_defined("amax", a);
  const int64_t d = normalize_dim("amax", dim, a.dim());
  if (a.size(d) == 0) {
    throw std::invalid_argument("amax: dimension " + std::to_string(dim) + " of shape " + shape_string(a.shape()) +
                                " is empty");
  }
  Tensor out = ops::empty_with(a, kept_shape(a, d));
  backend(a.device()).max_to(a, out);
  return keepdim ? out : squeeze(out, d);
}

/// log Σ exp(a) = m + log Σ exp(a − m), with m = max(a) clamped finite and detached.
Tensor logsumexp(const Tensor& a, int64_t dim, bool keepdim) {
  ops::check_defined("logsumexp", a);
  const int64_t d = normalize_dim("logsumexp", dim, a.dim());
  const double largest = a.dtype() == DType::Float32 ? std::numeric_limits<float>::max()
                                                     : std::numeric_limits<double>::max();
  const Tensor shift = clamp(amax(a, d, true), -largest, largest);
  const Tensor kept = log(sum(exp(a - shift), d, true)) + shift;
  return keepdim ? kept : squeeze(kept, d);
}

}  // namespace ebm
