// Launching the grid-stride kernels: one thread per element, blocks capped at max_blocks, every
// launch on ebm's stream and checked. Device code only (included by kernels/*.cu).
#pragma once

#include <cstdint>

#include "engine/dtype_dispatch.hpp"
#include "engine/types.hpp"
#include "kernels/index.hpp"
#include "kernels/runtime.hpp"

namespace ebm::cuda {

template <class Body>
__global__ void for_each_index(int64_t n, Body body) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step) body(i);
}

/// Runs body(i) for i in [0, n) on the device; `op` names the work in errors.
template <class Body>
void launch_for_each(const char* op, int64_t n, Body body) {
  if (n <= 0) return;
  for_each_index<<<static_cast<unsigned>(blocks_for(n)), block_threads, 0, stream()>>>(n, body);
  check_launch(op);
}

}  // namespace ebm::cuda
