#include "engine/types.hpp"

#include <algorithm>
#include <stdexcept>

namespace ebm {

const char* dtype_name(DType dtype) { return dtype == DType::Float32 ? "float32" : "float64"; }

const char* device_name(Device device) { return device == Device::CPU ? "cpu" : "cuda"; }

std::size_t element_size(DType dtype) { return dtype == DType::Float32 ? 4 : 8; }

std::string shape_string(const Shape& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

int64_t shape_numel(const Shape& shape) {
  int64_t count = 1;
  for (int64_t extent : shape) count *= extent;
  return count;
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  if (a == b) return a;
  const std::size_t rank = std::max(a.size(), b.size());
  Shape result(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const int64_t extent_a = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t extent_b = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (extent_a != extent_b && extent_a != 1 && extent_b != 1) {
      throw std::invalid_argument(std::string(op) + ": shapes " + shape_string(a) + " and " +
                                  shape_string(b) + " cannot be broadcast together (dimension " +
                                  std::to_string(i) + ": " + std::to_string(extent_a) + " vs " +
                                  std::to_string(extent_b) +
                                  "; each pair of trailing extents must be equal or one of them 1)");
    }
    result[i] = extent_a == 1 ? extent_b : extent_a;
  }
  return result;
}

std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& space) {
  std::vector<int64_t> strides(space.size(), 0);
  int64_t stride = 1;
  const std::size_t offset = space.size() - shape.size();
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[offset + i] = shape[i] == 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

int64_t normalize_dim(const char* op, int64_t dim, int64_t rank) {
  const int64_t normalized = dim < 0 ? dim + rank : dim;
  if (normalized < 0 || normalized >= rank) {
    throw std::invalid_argument(std::string(op) + ": dimension " + std::to_string(dim) +
                                " is out of range for a tensor with " + std::to_string(rank) +
                                " dimensions (accepted: " + std::to_string(-rank) + " to " +
                                std::to_string(rank - 1) + ")");
  }
  return normalized;
}

}  // namespace ebm
