// Evaluation in blocks: kernels that use an intermediate (σ(x), say) more than once evaluate it
// once per block of elements, into an array on the stack, instead of once per use or into a heap
// temporary.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cstdint>

namespace ebm::cpu {

constexpr int64_t block_size = 256;
template <class T>
using BlockArray = Eigen::Array<T, Eigen::Dynamic, 1, 0, block_size, 1>;

/// Calls body(start, length) for consecutive blocks covering [0, n).
template <class Body>
void for_each_block(int64_t n, Body&& body) {
  for (int64_t start = 0; start < n; start += block_size) body(start, std::min(block_size, n - start));
}

}  // namespace ebm::cpu
