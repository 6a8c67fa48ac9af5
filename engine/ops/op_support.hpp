// Checks and allocation shared by the op definitions (internal to engine/ops/).
#pragma once

#include "engine/autograd/node.hpp"
#include "engine/backend.hpp"
#include "engine/ops.hpp"

namespace ebm::ops {

/// Throws std::invalid_argument naming `op` when the tensor is undefined.
void check_defined(const char* op, const Tensor& a);
/// Throws when a and b are undefined or differ in dtype or device, naming `op` and both.
void check_compatible(const char* op, const Tensor& a, const Tensor& b);
/// An uninitialised tensor with a's dtype and device.
Tensor empty_with(const Tensor& a, const Shape& shape);
/// A zero-dimensional tensor of a's dtype and device.
Tensor scalar_like(const Tensor& a, double value);
/// kernel(a, b) into a new tensor of the broadcast shape (not recorded), naming `op` in errors.
Tensor broadcast_binary(BinaryKernel kernel, const char* op, const Tensor& a, const Tensor& b);

/// The gradient for input i, or undefined when that input needs none.
template <class Compute>
Tensor if_needed(const Node& node, std::size_t i, Compute&& compute) {
  return node.needs_grad(i) ? compute() : Tensor();
}

}  // namespace ebm::ops
