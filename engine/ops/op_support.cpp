#include "engine/ops/op_support.hpp"

#include <stdexcept>
#include <string>

namespace ebm::ops {

void check_defined(const char* op, const Tensor& a) {
  if (!a.defined()) throw std::invalid_argument(std::string(op) + ": the input tensor is undefined");
}

void check_compatible(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(op, a);
  check_defined(op, b);
  if (a.dtype() != b.dtype()) {
    throw std::invalid_argument(std::string(op) + ": dtypes differ (" + dtype_name(a.dtype()) + " with shape " +
                                shape_string(a.shape()) + " and " + dtype_name(b.dtype()) + " with shape " +
                                shape_string(b.shape()) + "); convert one with .to(DType)");
  }
  if (a.device() != b.device()) {
    throw std::invalid_argument(std::string(op) + ": tensors live on different devices (" + device_name(a.device()) +
                                " and " + device_name(b.device()) + "); move one with .to(Device)");
  }
}

Tensor empty_with(const Tensor& a, const Shape& shape) { return empty(shape, a.dtype(), a.device()); }

Tensor scalar_like(const Tensor& a, double value) { return scalar_tensor(value, a.dtype(), a.device()); }

Tensor broadcast_binary(BinaryKernel kernel, const char* op, const Tensor& a, const Tensor& b) {
  check_compatible(op, a, b);
  Tensor out = empty_with(a, broadcast_shapes(op, a.shape(), b.shape()));
  backend(a.device()).binary(kernel, a, b, out);
  return out;
}

}  // namespace ebm::ops
