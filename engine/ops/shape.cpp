// Shape ops: reshape (sharing storage), transpose, squeeze/unsqueeze, slice/select and cat.
// slice and slice_backward are each other's adjoints.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "engine/ops/op_support.hpp"

namespace ebm {

/// The same elements in `shape` (one extent may be −1); shares storage; d/da = reshape(g, a.shape).
Tensor reshape(const Tensor& a, const Shape& shape) {
  ops::check_defined("reshape", a);
  Shape resolved = shape;
  const auto inferred = std::count(shape.begin(), shape.end(), int64_t{-1});
  if (inferred > 1) throw std::invalid_argument("reshape: only one extent of " + shape_string(shape) + " may be -1");
  int64_t known = 1;
  for (int64_t extent : shape) {
    if (extent < -1) throw std::invalid_argument("reshape: " + shape_string(shape) + " has a negative extent");
    if (extent != -1) known *= extent;
  }
  if (inferred == 1 && known != 0 && a.numel() % known == 0) {
    *std::find(resolved.begin(), resolved.end(), int64_t{-1}) = a.numel() / known;
  }
  if (std::count(resolved.begin(), resolved.end(), int64_t{-1}) != 0 || shape_numel(resolved) != a.numel()) {
    throw std::invalid_argument("reshape: cannot reshape " + shape_string(a.shape()) + " (" +
                                std::to_string(a.numel()) + " elements) into " + shape_string(shape));
  }
  if (resolved == a.shape()) return a;
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = a.impl()->storage;
  impl->shape = resolved;
  impl->dtype = a.dtype();
  return record(Tensor(std::move(impl)), "reshape", {a}, {}, SaveOutput::No,
                [a_shape = a.shape()](const Node&, const Tensor& g) -> Gradients { return {reshape(g, a_shape)}; });
}

/// aᵀ of a 2-D tensor; d/da = gᵀ.
Tensor transpose(const Tensor& a) {
  ops::check_defined("transpose", a);
  if (a.dim() != 2) {
    throw std::invalid_argument("transpose: expects a 2-D tensor, got shape " + shape_string(a.shape()));
  }
  Tensor out = ops::empty_with(a, {a.size(1), a.size(0)});
  backend(a.device()).transpose(a, out);
  return record(std::move(out), "transpose", {a}, {}, SaveOutput::No,
                [](const Node&, const Tensor& g) -> Gradients { return {transpose(g)}; });
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  ops::check_defined("unsqueeze", a);
  const int64_t d = normalize_dim("unsqueeze", dim, a.dim() + 1);
  Shape shape = a.shape();
  shape.insert(shape.begin() + d, 1);
  return reshape(a, shape);
}

Tensor squeeze(const Tensor& a) {
  ops::check_defined("squeeze", a);
  Shape shape;
  for (int64_t extent : a.shape()) {
    if (extent != 1) shape.push_back(extent);
  }
  return reshape(a, shape);
}

Tensor squeeze(const Tensor& a, int64_t dim) {
  ops::check_defined("squeeze", a);
  const int64_t d = normalize_dim("squeeze", dim, a.dim());
  if (a.size(d) != 1) {
    throw std::invalid_argument("squeeze: dimension " + std::to_string(dim) + " of shape " + shape_string(a.shape()) +
                                " has extent " + std::to_string(a.size(d)) + ", not 1");
  }
  Shape shape = a.shape();
  shape.erase(shape.begin() + d);
  return reshape(a, shape);
}

/// a[…, start:end, …] along dim; indices as in Python (negative from the end, clipped to the
/// extent). d/da = slice_backward(g): g placed into zeros of a's shape.
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end) {
  ops::check_defined("slice", a);
  const int64_t d = normalize_dim("slice", dim, a.dim());
  const int64_t extent = a.size(d);
  const auto clip = [extent](int64_t index) { return std::clamp(index < 0 ? index + extent : index, int64_t{0}, extent); };
  const int64_t first = clip(start);
  const int64_t last = std::max(first, clip(end));
  if (first == 0 && last == extent) return a;
  Shape shape = a.shape();
  shape[static_cast<std::size_t>(d)] = last - first;
  Tensor out = ops::empty_with(a, shape);
  backend(a.device()).slice(a, d, first, out);
  return record(std::move(out), "slice", {a}, {}, SaveOutput::No,
                [a_shape = a.shape(), d, first](const Node&, const Tensor& g) -> Gradients {
                  return {slice_backward(g, a_shape, d, first)};
                });
}

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  ops::check_defined("select", a);
  const int64_t d = normalize_dim("select", dim, a.dim());
  const int64_t extent = a.size(d);
  if (index < -extent || index >= extent) {
    throw std::invalid_argument("select: index " + std::to_string(index) + " is out of range for dimension " +
                                std::to_string(dim) + " of shape " + shape_string(a.shape()) + " (accepted: " +
                                std::to_string(-extent) + " to " + std::to_string(extent - 1) + ")");
  }
  const int64_t i = index < 0 ? index + extent : index;
  return squeeze(slice(a, d, i, i + 1), d);
}

/// Zeros of `shape` holding a at [start, start + a.size(dim)) along dim; d/da = slice(g).
Tensor slice_backward(const Tensor& a, const Shape& shape, int64_t dim, int64_t start) {
  ops::check_defined("slice_backward", a);
  const int64_t d = normalize_dim("slice_backward", dim, a.dim());
  // a must be shape's slice [start, start + a.size(d)) along d: equal extents elsewhere.
  Shape fitted = shape;
  if (fitted.size() == a.shape().size()) fitted[static_cast<std::size_t>(d)] = a.size(d);
  if (fitted != a.shape() || start < 0 || start + a.size(d) > shape[static_cast<std::size_t>(d)]) {
    throw std::invalid_argument("slice_backward: a of shape " + shape_string(a.shape()) + " does not fit into " +
                                shape_string(shape) + " at " + std::to_string(start) + " along dimension " + std::to_string(dim) +
                                " (the other extents must match and start + " + std::to_string(a.size(d)) + " must not exceed the extent)");
  }
  Tensor out = zeros(shape, a.dtype(), a.device());
  backend(a.device()).slice_assign(a, d, start, out);
  return record(std::move(out), "slice_backward", {a}, {}, SaveOutput::No,
                [d, start, width = a.size(d)](const Node&, const Tensor& g) -> Gradients {
                  return {slice(g, d, start, start + width)};
                });
}

/// Concatenation along dim; the gradient of each input is its slice of g.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  if (tensors.empty()) throw std::invalid_argument("cat: needs at least one tensor");
  const Tensor& first = tensors.front();
  ops::check_defined("cat", first);
  const int64_t d = normalize_dim("cat", dim, first.dim());
  Shape shape = first.shape();
  shape[static_cast<std::size_t>(d)] = 0;
  std::vector<int64_t> offsets;
  for (std::size_t k = 0; k < tensors.size(); ++k) {
    const Tensor& t = tensors[k];
    ops::check_compatible("cat", first, t);
    Shape expected = first.shape();
    expected[static_cast<std::size_t>(d)] = t.dim() == first.dim() ? t.size(d) : 0;
    if (t.shape() != expected) {
      throw std::invalid_argument("cat: tensor " + std::to_string(k) + " has shape " + shape_string(t.shape()) +
                                  ", which does not match tensor 0's shape " + shape_string(first.shape()) +
                                  " outside dimension " + std::to_string(dim));
    }
    offsets.push_back(shape[static_cast<std::size_t>(d)]);
    shape[static_cast<std::size_t>(d)] += t.size(d);
  }
  Tensor out = ops::empty_with(first, shape);
  for (std::size_t k = 0; k < tensors.size(); ++k) backend(first.device()).slice_assign(tensors[k], d, offsets[k], out);
  return record(std::move(out), "cat", tensors, {}, SaveOutput::No,
                [d, offsets, total = shape[static_cast<std::size_t>(d)]](const Node& node, const Tensor& g) -> Gradients {
                  Gradients gradients(offsets.size());
                  for (std::size_t k = 0; k < offsets.size(); ++k) {
                    const int64_t end = k + 1 < offsets.size() ? offsets[k + 1] : total;
                    if (node.needs_grad(k)) gradients[k] = slice(g, d, offsets[k], end);
                  }
                  return gradients;
                });
}

}  // namespace ebm
