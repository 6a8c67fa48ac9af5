#include "engine/tensor.hpp"

#include <cmath>
#include <functional>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "engine/autograd/grad.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/autograd/node.hpp"
#include "engine/backend.hpp"
#include "engine/ops.hpp"

namespace ebm {

Storage::Storage(std::size_t bytes_, Device device_)
    : data(backend(device_).allocate(bytes_)), bytes(bytes_), device(device_) {}

Storage::~Storage() { backend(device).deallocate(data, bytes); }

Tensor::Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

const TensorImpl& Tensor::checked(const char* what) const {
  if (!impl_) throw std::logic_error(std::string(what) + " called on an undefined tensor");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked("shape()").shape; }
int64_t Tensor::dim() const { return static_cast<int64_t>(checked("dim()").shape.size()); }
int64_t Tensor::numel() const { return shape_numel(checked("numel()").shape); }
int64_t Tensor::size(int64_t d) const { return shape()[static_cast<std::size_t>(normalize_dim("size", d, dim()))]; }
DType Tensor::dtype() const { return checked("dtype()").dtype; }
Device Tensor::device() const { return checked("device()").storage->device; }
void* Tensor::raw_data() const { return checked("data()").storage->data; }
const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked("grad_fn()").grad_fn; }
uint64_t Tensor::version() const { return checked("version()").storage->version; }
void Tensor::bump_version() const { ++checked("bump_version()").storage->version; }

std::vector<double> Tensor::to_vector() const {
  const Tensor host = detach().to(Device::CPU).to(DType::Float64);  // detached first: nothing recorded
  const double* data = host.data<double>();
  return std::vector<double>(data, data + host.numel());
}

double Tensor::item() const {
  if (numel() != 1) {
    throw std::invalid_argument("item(): the tensor has shape " + shape_string(shape()) +
                                " and " + std::to_string(numel()) + " elements; item() needs exactly one");
  }
  return to_vector()[0];
}

std::vector<char> Tensor::to_bytes() const {
  std::vector<char> bytes(static_cast<std::size_t>(numel()) * element_size(dtype()));
  backend(device()).copy_to_host(bytes.data(), raw_data(), bytes.size());
  return bytes;
}

Tensor Tensor::to(Device target) const { return to_device(*this, target); }

Tensor Tensor::to(DType target) const { return cast(*this, target); }

Tensor& Tensor::requires_grad_(bool on) {
  checked("requires_grad_()");
  TensorImpl& impl = *impl_;
  if (impl.grad_fn) {
    throw std::invalid_argument(
        std::string("requires_grad_(): only leaf tensors can be marked; this tensor was produced by '") +
        impl.grad_fn->name() + "' and already carries its gradient history (use detach() to make a new leaf)");
  }
  impl.requires_grad = on;
  return *this;
}

bool Tensor::requires_grad() const {
  const TensorImpl& impl = checked("requires_grad()");
  return impl.requires_grad || impl.grad_fn != nullptr;
}

bool Tensor::is_leaf() const { return checked("is_leaf()").grad_fn == nullptr; }

Tensor Tensor::grad() const { return Tensor(checked("grad()").grad); }

void Tensor::zero_grad() {
  checked("zero_grad()");
  impl_->grad.reset();
}

void Tensor::backward() const { ebm::backward(*this); }

Tensor Tensor::detach() const {
  const TensorImpl& impl = checked("detach()");
  auto detached = std::make_shared<TensorImpl>();
  detached->storage = impl.storage;
  detached->shape = impl.shape;
  detached->dtype = impl.dtype;
  return Tensor(std::move(detached));
}

Tensor& Tensor::copy_(const Tensor& src) {
  checked("copy_()");
  if (!src.defined()) throw std::invalid_argument("copy_(): the source tensor is undefined");
  if (src.shape() != shape()) {
    throw std::invalid_argument("copy_(): shapes differ: destination " + shape_string(shape()) + ", source " +
                                shape_string(src.shape()));
  }
  if (grad_mode_enabled() && (requires_grad() || src.requires_grad())) {
    throw std::invalid_argument(
        "copy_(): in-place copies are not recorded for backward; the destination or source requires grad, so "
        "do it under NoGradGuard (as optimizers do) or copy a detach()ed source into a tensor that does not "
        "require grad");
  }
  const Tensor source = src.detach().to(device());
  backend(device()).convert(source, *this);
  bump_version();
  return *this;
}

std::ostream& operator<<(std::ostream& out, const Tensor& tensor) {
  if (!tensor.defined()) return out << "tensor(undefined)";
  const std::vector<double> values = tensor.to_vector();
  const Shape& shape = tensor.shape();
  std::ostringstream text;
  text.precision(6);
  // Open a bracket at every index that starts a block of the corresponding dimension.
  std::function<void(std::size_t, int64_t)> print = [&](std::size_t d, int64_t offset) {
    if (d == shape.size()) {
      text << values[static_cast<std::size_t>(offset)];
      return;
    }
    const int64_t block = shape_numel(Shape(shape.begin() + static_cast<int64_t>(d) + 1, shape.end()));
    text << "[";
    for (int64_t i = 0; i < shape[d]; ++i) {
      if (i > 0) text << ", ";
      print(d + 1, offset + i * block);
    }
    text << "]";
  };
  print(0, 0);
  out << "tensor(" << text.str() << ", " << dtype_name(tensor.dtype());
  if (tensor.device() != Device::CPU) out << ", " << device_name(tensor.device());
  if (tensor.requires_grad()) out << ", requires_grad";
  return out << ")";
}

namespace {
void check_shape(const char* factory, const Shape& shape) {
  for (int64_t extent : shape) {
    if (extent < 0) {
      throw std::invalid_argument(std::string(factory) + ": shape " + shape_string(shape) +
                                  " has a negative extent; extents must be 0 or more");
    }
  }
}
}  // namespace

Tensor empty(const Shape& shape, DType dtype, Device device) {
  check_shape("empty", shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(shape_numel(shape)) * element_size(dtype), device);
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor tensor(const std::vector<double>& values, const Shape& shape, DType dtype, Device device) {
  check_shape("tensor", shape);
  if (static_cast<int64_t>(values.size()) != shape_numel(shape)) {
    throw std::invalid_argument("tensor: " + std::to_string(values.size()) + " values do not fill shape " +
                                shape_string(shape) + ", which holds " + std::to_string(shape_numel(shape)));
  }
  Tensor host = empty(shape, DType::Float64, Device::CPU);
  std::copy(values.begin(), values.end(), host.data<double>());
  Tensor typed = empty(shape, dtype, Device::CPU);
  backend(Device::CPU).convert(host, typed);
  return typed.to(device);
}

Tensor from_bytes(const std::vector<char>& bytes, const Shape& shape, DType dtype, Device device) {
  check_shape("from_bytes", shape);
  const std::size_t expected = static_cast<std::size_t>(shape_numel(shape)) * element_size(dtype);
  if (bytes.size() != expected) {
    throw std::invalid_argument("from_bytes: " + std::to_string(bytes.size()) + " bytes do not fill shape " + shape_string(shape) +
                                " of " + dtype_name(dtype) + ", which takes " + std::to_string(expected));
  }
  Tensor result = empty(shape, dtype, device);
  backend(device).copy_from_host(result.raw_data(), bytes.data(), bytes.size());
  return result;
}

Tensor scalar_tensor(double value, DType dtype, Device device) { return full({}, value, dtype, device); }

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  Tensor result = empty(shape, dtype, device);
  backend(device).fill(result, value);
  return result;
}

Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor zeros_like(const Tensor& like) { return zeros(like.shape(), like.dtype(), like.device()); }
Tensor ones_like(const Tensor& like) { return ones(like.shape(), like.dtype(), like.device()); }
Tensor full_like(const Tensor& like, double value) { return full(like.shape(), value, like.dtype(), like.device()); }

namespace {
template <class Fill>
Tensor random_tensor(const Shape& shape, Generator& generator, DType dtype, Device device, Fill fill) {
  Tensor result = empty(shape, dtype, device);
  const uint64_t per_block = dtype == DType::Float32 ? 4 : 2;
  const auto count = static_cast<uint64_t>(result.numel());
  const uint64_t first = generator.reserve((count + per_block - 1) / per_block);
  fill(backend(device), result, generator.seed(), first);
  return result;
}
}  // namespace

Tensor randn(const Shape& shape, Generator& generator, DType dtype, Device device) {
  return random_tensor(shape, generator, dtype, device,
                       [](const Backend& b, Tensor& out, uint64_t seed, uint64_t first) { b.random_normal(out, seed, first); });
}

Tensor rand(const Shape& shape, Generator& generator, DType dtype, Device device) {
  return random_tensor(shape, generator, dtype, device,
                       [](const Backend& b, Tensor& out, uint64_t seed, uint64_t first) { b.random_uniform(out, seed, first); });
}

Tensor randn_like(const Tensor& like, Generator& generator) {
  return randn(like.shape(), generator, like.dtype(), like.device());
}

Tensor rand_like(const Tensor& like, Generator& generator) {
  return rand(like.shape(), generator, like.dtype(), like.device());
}

}  // namespace ebm
