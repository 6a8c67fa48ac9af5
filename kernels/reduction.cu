// sum_to and max_to: a ReductionPlan says where each output's terms are, a ReductionTiling how
// threads share them (kernels/index.hpp). Each output's lanes fold their terms in order, the
// block folds the lanes' partial results pairwise in a tree fixed by the tiling, and segments
// (when the terms are split for occupancy) are folded by a second pass: no atomics, so a result
// depends on the shape alone, never on timing.
#include <cmath>

#include "kernels/kernels.hpp"
#include "kernels/launch.cuh"

namespace ebm::cuda {
namespace {

struct Sum {
  template <class T>
  __device__ static T initial() {
    return T(0);
  }
  template <class T>
  __device__ static T fold(T total, T term) {
    return total + term;
  }
};

/// NaN propagates, as in every other op (and as the CPU's max_to): the max of anything with NaN is NaN.
struct Max {
  template <class T>
  __device__ static T initial() {
    return -INFINITY;
  }
  template <class T>
  __device__ static T fold(T best, T term) {
    return (best != best || term != term) ? best + term : (term > best ? term : best);
  }
};

/// Folds segment blockIdx.y of every output's terms into out[blockIdx.y · outputs + output].
template <class Fold, class T>
__global__ void reduce_kernel(const T* input, T* out, ReductionPlan plan, ReductionTiling tiling) {
  __shared__ T partial[block_threads];
  const int thread = static_cast<int>(threadIdx.x);
  const int slot = tiling.output_slot(thread);
  const int lane = tiling.lane(thread);
  const int lanes = tiling.lanes_per_output();
  const int64_t segment = blockIdx.y;
  const int64_t begin = tiling.segment_begin(segment);
  const int64_t end = tiling.segment_end(segment, plan.terms);
  const int64_t group_step = static_cast<int64_t>(gridDim.x) * tiling.outputs_per_block();
  for (int64_t group = static_cast<int64_t>(blockIdx.x) * tiling.outputs_per_block(); group < plan.outputs;
       group += group_step) {
    const int64_t output = group + slot;
    T total = Fold::template initial<T>();
    if (output < plan.outputs) {
      for (int64_t term = begin + lane; term < end; term += lanes) total = Fold::fold(total, input[plan.input_offset(output, term)]);
    }
    partial[thread] = total;
    __syncthreads();
    // Lane l takes in lane l + width, for width = lanes/2, lanes/4, …, 1: the same tree every run.
    for (int width = lanes / 2; width > 0; width /= 2) {
      if (lane < width) partial[thread] = Fold::fold(partial[thread], partial[tiling.thread_of(slot, lane + width)]);
      __syncthreads();
    }
    if (lane == 0 && output < plan.outputs) out[segment * plan.outputs + output] = partial[thread];
    __syncthreads();
  }
}

template <class Fold>
void reduce(const char* op, const Tensor& a, Tensor& out) {
  with_type(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const ReductionPlan plan = reduction_plan(op, a.shape(), out.shape());
    if (plan.outputs == 0) return;
    const ReductionTiling tiling = reduction_tiling(plan);
    const dim3 grid(static_cast<unsigned>(tiling.output_blocks), static_cast<unsigned>(tiling.segments));
    if (tiling.segments == 1) {
      reduce_kernel<Fold><<<grid, block_threads, 0, stream()>>>(a.data<T>(), out.data<T>(), plan, tiling);
      check_launch(op);
      return;
    }
    // Partial results [segments, outputs], then the segments folded into out.
    const Tensor partials = empty({tiling.segments, plan.outputs}, a.dtype(), Device::CUDA);
    reduce_kernel<Fold><<<grid, block_threads, 0, stream()>>>(a.data<T>(), partials.data<T>(), plan, tiling);
    check_launch(op);
    const ReductionPlan second = reduction_plan(op, partials.shape(), {plan.outputs});
    const ReductionTiling second_tiling = reduction_tiling(second, /*target_blocks=*/1, /*min_terms_per_segment=*/second.terms + 1);
    const dim3 second_grid(static_cast<unsigned>(second_tiling.output_blocks), 1);
    reduce_kernel<Fold><<<second_grid, block_threads, 0, stream()>>>(partials.data<T>(), out.data<T>(), second, second_tiling);
    check_launch(op);
  });
}

}  // namespace

void sum_to(const Tensor& a, Tensor& out) { reduce<Sum>("sum_to", a, out); }

void max_to(const Tensor& a, Tensor& out) { reduce<Max>("max_to", a, out); }

}  // namespace ebm::cuda
