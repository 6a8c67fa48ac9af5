// Launching the grid-stride kernels: one thread per element, blocks capped at max_blocks, every
// launch on ebm's stream and checked; broadcasting ones, which give each element its operands'
// offsets; and maps z = f(x₀, x₁, …), which read and write four elements at once where they can.
// Device code only (included by kernels/*.cu).
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
/// element i: through 32-bit multiply-and-shift division where the space has fewer than 2³¹
/// elements, 64-bit division otherwise.
template <int Operands, class Body>
void launch_broadcast(const char* op, const StridedSpace<Operands>& space, int64_t n, Body body) {
  if (n <= 0) return;
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

/// Four consecutive elements, aligned so that they move as one 16-byte (float32) or two (float64)
/// memory accesses.
template <class T>
struct alignas(pack_size * sizeof(T)) Pack {
  T value[pack_size];
};

/// The input pointers of a map.
template <class T, int Operands>
struct MapInputs {
  const T* x[Operands];
};

/// A thread per output pack: every input pack is loaded before any is used, so a thread keeps
/// several loads in flight, then the four outputs are computed and stored together. The last
/// n mod 4 elements (same-shape and scalar operands only: a row's width is a multiple of 4) follow
/// one at a time.
template <class T, int Operands, class F>
__global__ void packed_map(int64_t n, T* z, MapInputs<T, Operands> in, PackPlan<Operands> plan, F f) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t packs = n / pack_size;
  for (int64_t p = first; p < packs; p += step) {
    Pack<T> loaded[Operands];
#pragma unroll
    for (int k = 0; k < Operands; ++k) {
      if (plan.kind[k] == PackedOperand::Scalar) {
        const T value = in.x[k][0];
        for (int e = 0; e < pack_size; ++e) loaded[k].value[e] = value;
      } else {
        loaded[k] = reinterpret_cast<const Pack<T>*>(in.x[k])[plan.pack_of(k, p)];
      }
    }
    Pack<T> result;
#pragma unroll
    for (int e = 0; e < pack_size; ++e) {
      T values[Operands];
#pragma unroll
      for (int k = 0; k < Operands; ++k) values[k] = loaded[k].value[e];
      result.value[e] = f(values);
    }
    reinterpret_cast<Pack<T>*>(z)[p] = result;
  }
  for (int64_t i = packs * pack_size + first; i < n; i += step) {
    T values[Operands];
#pragma unroll
    for (int k = 0; k < Operands; ++k) values[k] = in.x[k][plan.kind[k] == PackedOperand::Scalar ? 0 : i];
    z[i] = f(values);
  }
}

/// True when p may be read as Packs of T.
template <class T>
bool pack_aligned(const T* p) {
  return reinterpret_cast<std::uintptr_t>(p) % alignof(Pack<T>) == 0;
}

/// z[i] = f({x₀[at₀], x₁[at₁], …}) for every element i of the broadcast `space` (n elements; z may
/// be one of the inputs, updated in place). Packed (launch.cuh's packed_map) where every operand is
/// of the same shape as z, a row or a scalar and the buffers are aligned; element by element
/// through launch_broadcast otherwise.
template <class T, int Operands, class F>
void launch_map(const char* op, const StridedSpace<Operands>& space, int64_t n, T* z, MapInputs<T, Operands> in, F f) {
  if (n <= 0) return;
  PackPlan<Operands> plan;
  bool packed = PackPlan<Operands>::make(space, plan) && pack_aligned(z);
  for (int k = 0; k < Operands && packed; ++k) packed = plan.kind[k] == PackedOperand::Scalar || pack_aligned(in.x[k]);
  if (packed) {
    const int64_t threads = (n + pack_size - 1) / pack_size;
    packed_map<<<static_cast<unsigned>(blocks_for(threads)), block_threads, 0, stream()>>>(n, z, in, plan, f);
    check_launch(op);
    return;
  }
  launch_broadcast(op, space, n, [=] __device__(int64_t i, const int64_t(&at)[Operands]) {
    T values[Operands];
    for (int k = 0; k < Operands; ++k) values[k] = in.x[k][at[k]];
    z[i] = f(values);
  });
}

}  // namespace ebm::cuda
