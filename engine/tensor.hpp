// The tensor handle: dense, row-major, float32 or float64, on a device. Copies of a handle share
// storage; the autograd fields (requires_grad, grad, the node that made it) live with the handle.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <vector>

#include "engine/generator.hpp"
#include "engine/types.hpp"

namespace ebm {

class Node;

/// A device buffer plus the version counter that in-place writes bump, so that backward can
/// tell when a tensor it saved was changed after it was saved.
struct Storage {
  Storage(std::size_t bytes, Device device);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data = nullptr;
  std::size_t bytes = 0;
  Device device;
  uint64_t version = 0;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  DType dtype = DType::Float32;
  bool requires_grad = false;            // set by requires_grad_() on a leaf
  std::shared_ptr<Node> grad_fn;         // the op that produced this tensor; null for a leaf
  std::weak_ptr<Node> grad_accumulator;  // a leaf's node that adds into `grad`
  std::shared_ptr<TensorImpl> grad;      // a leaf's accumulated gradient
};

class Tensor {
 public:
  Tensor() = default;  // undefined; defined() == false
  explicit Tensor(std::shared_ptr<TensorImpl> impl);

  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const;
  int64_t dim() const;
  int64_t numel() const;
  /// Extent of dimension d; negative d counts from the end.
  int64_t size(int64_t d) const;
  DType dtype() const;
  Device device() const;

  /// Row-major copy of the elements on the host.
  std::vector<double> to_vector() const;
  /// The single element of a one-element tensor; throws otherwise.
  double item() const;
  /// The elements' bytes on the host: row-major, in the tensor's dtype, native byte order.
  std::vector<char> to_bytes() const;

  Tensor to(Device device) const;
  /// Differentiable conversion of the element type.
  Tensor to(DType dtype) const;

  /// Marks a leaf as needing gradients; throws on a tensor produced by a recorded op.
  Tensor& requires_grad_(bool on = true);
  /// True for a leaf marked with requires_grad_ and for any tensor recorded from one.
  bool requires_grad() const;
  bool is_leaf() const;
  /// Gradient accumulated by backward() into this leaf; undefined before.
  Tensor grad() const;
  /// Forgets the accumulated gradient (grad() becomes undefined).
  void zero_grad();
  /// Backpropagates from this one-element tensor, adding ∂self/∂leaf into every leaf's grad().
  void backward() const;
  /// Same storage, cut from the graph: requires_grad() == false.
  Tensor detach() const;
  /// Writes src's elements into this tensor in place (same shape; dtype converted). On a tensor
  /// that requires grad this is allowed only under NoGradGuard.
  Tensor& copy_(const Tensor& src);

  // For kernels and the autograd engine.
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  const std::shared_ptr<Node>& grad_fn() const;
  void* raw_data() const;
  template <class T>
  T* data() const {
    return static_cast<T*>(raw_data());
  }
  /// In-place writes call this so that saved copies of the tensor can be checked.
  void bump_version() const;
  uint64_t version() const;

 private:
  const TensorImpl& checked(const char* what) const;
  std::shared_ptr<TensorImpl> impl_;
};

/// "tensor([[1, 2], [3, 4]], float32)".
std::ostream& operator<<(std::ostream& out, const Tensor& tensor);

// Factories.
/// Uninitialised storage, for kernels that write every element.
Tensor empty(const Shape& shape, DType dtype = DType::Float32, Device device = Device::CPU);
Tensor tensor(const std::vector<double>& values, const Shape& shape, DType dtype = DType::Float32,
              Device device = Device::CPU);
/// A tensor of `shape` and `dtype` on `device` from `bytes`, its row-major elements in native byte
/// order (what to_bytes() gives); throws unless bytes.size() fits the shape.
Tensor from_bytes(const std::vector<char>& bytes, const Shape& shape, DType dtype, Device device = Device::CPU);
/// A zero-dimensional tensor holding one value.
Tensor scalar_tensor(double value, DType dtype = DType::Float32, Device device = Device::CPU);
Tensor zeros(const Shape& shape, DType dtype = DType::Float32, Device device = Device::CPU);
Tensor ones(const Shape& shape, DType dtype = DType::Float32, Device device = Device::CPU);
Tensor full(const Shape& shape, double value, DType dtype = DType::Float32, Device device = Device::CPU);
Tensor zeros_like(const Tensor& like);
Tensor ones_like(const Tensor& like);
Tensor full_like(const Tensor& like, double value);
/// Standard normal draws from the generator's Philox stream.
Tensor randn(const Shape& shape, Generator& generator = default_generator(), DType dtype = DType::Float32,
             Device device = Device::CPU);
/// Uniform draws in [0, 1).
Tensor rand(const Shape& shape, Generator& generator = default_generator(), DType dtype = DType::Float32,
            Device device = Device::CPU);
Tensor randn_like(const Tensor& like, Generator& generator = default_generator());
Tensor rand_like(const Tensor& like, Generator& generator = default_generator());

}  // namespace ebm
