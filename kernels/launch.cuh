// Launching the grid-stride kernels: one thread per element, blocks capped at max_blocks, every
// launch on ebm's stream and checked; and broadcasting ones, which give each element its operands'
// offsets. Device code only (included by kernels/*.cu).
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

/// Runs body(i, at) for i in [0, n), n the space's elements, with at[k] operand k's offset of
/// element i. The cheapest path that holds: the column alone where one operand is a row
/// broadcast over [N, W] (a bias), 32-bit multiply-and-shift division where the space has fewer
/// than 2³¹ elements, 64-bit division otherwise.
template <int Operands, class Body>
void launch_broadcast(const char* op, const StridedSpace<Operands>& space, int64_t n, Body body) {
  for (int row = 0; row < Operands; ++row) {
    if (!RowBroadcast::matches(space, row)) continue;
    const RowBroadcast broadcast{FastDivider(static_cast<uint32_t>(space.extent[1]))};
    launch_for_each(op, n, [=] __device__(int64_t i) {
      int64_t at[Operands];
      for (int k = 0; k < Operands; ++k) at[k] = k == row ? broadcast.column(static_cast<uint32_t>(i)) : i;
      body(i, at);
    });
    return;
  }
  if (StridedSpace32<Operands>::fits(space)) {
    const StridedSpace32<Operands> compact(space);
    launch_for_each(op, n, [=] __device__(int64_t i) {
      uint32_t offsets[Operands];
      compact.offsets(static_cast<uint32_t>(i), offsets);
      int64_t at[Operands];
      for (int k = 0; k < Operands; ++k) at[k] = offsets[k];
      body(i, at);
    });
    return;
  }
  launch_for_each(op, n, [=] __device__(int64_t i) {
    int64_t at[Operands];
    space.offsets(i, at);
    body(i, at);
  });
}

}  // namespace ebm::cuda
