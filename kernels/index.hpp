// The index arithmetic of the CUDA kernels: broadcast offsets, the reduction plan and tiling, and
// launch geometry. Plain host/device code, so the CPU tests (tests/cuda_index_test.cpp) check the
// very functions the kernels run. Plans are built on the host from shapes and passed to kernels by
// value.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/host_device.hpp"
#include "engine/types.hpp"

namespace ebm::cuda {

/// The most dimensions a plan holds once extents of 1 are dropped and contiguous dimensions merged.
inline constexpr int max_rank = 8;

/// An iteration space (row-major over `extent`) and, for each of `Operands` operands, its stride
/// along each dimension: 0 where the operand is broadcast.
template <int Operands>
struct StridedSpace {
  int rank = 0;
  int64_t extent[max_rank] = {};
  int64_t stride[Operands][max_rank] = {};

  /// The element offsets of linear index `index` in each operand.
  EBM_HOST_DEVICE void offsets(int64_t index, int64_t (&at)[Operands]) const {
    if (rank == 1) {  // one merged dimension (same-shape operands, a contiguous run): no division
      for (int k = 0; k < Operands; ++k) at[k] = index * stride[k][0];
      return;
    }
    for (int k = 0; k < Operands; ++k) at[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t i = index % extent[d];
      index /= extent[d];
      for (int k = 0; k < Operands; ++k) at[k] += i * stride[k][d];
    }
  }
};

/// Appends a dimension to a space, merged into the last one when every operand steps through
/// both as one (stride of the last = stride · extent of the new one).
template <int Operands>
void append_dimension(const char* op, StridedSpace<Operands>& space, int64_t extent, const int64_t (&strides)[Operands]) {
  bool mergeable = space.rank > 0;
  for (int k = 0; k < Operands && mergeable; ++k) mergeable = space.stride[k][space.rank - 1] == strides[k] * extent;
  if (mergeable) {
    space.extent[space.rank - 1] *= extent;
    for (int k = 0; k < Operands; ++k) space.stride[k][space.rank - 1] = strides[k];
    return;
  }
  if (space.rank == max_rank) {
    throw std::invalid_argument(std::string(op) + ": the CUDA kernels handle up to " + std::to_string(max_rank) +
                                " dimensions that cannot be merged");
  }
  space.extent[space.rank] = extent;
  for (int k = 0; k < Operands; ++k) space.stride[k][space.rank] = strides[k];
  ++space.rank;
}

/// The space `space` with operands of the given shapes broadcast to it. Extents of 1 are dropped
/// and a dimension is merged into the previous one when every operand steps through both as one,
/// so same-shape operands give rank 1 and [N, D] + [D] rank 2.
template <int Operands>
StridedSpace<Operands> strided_space(const char* op, const Shape& space, const std::array<Shape, Operands>& shapes) {
  if (space.size() > max_rank * 2) {
    throw std::invalid_argument(std::string(op) + ": the CUDA kernels take tensors of up to " +
                                std::to_string(max_rank * 2) + " dimensions, got " + shape_string(space));
  }
  std::array<std::vector<int64_t>, Operands> strides;
  for (int k = 0; k < Operands; ++k) strides[k] = broadcast_strides(shapes[k], space);
  StridedSpace<Operands> result;
  for (std::size_t d = 0; d < space.size(); ++d) {
    if (space[d] == 1) continue;
    int64_t at[Operands];
    for (int k = 0; k < Operands; ++k) at[k] = strides[k][d];
    append_dimension(op, result, space[d], at);
  }
  return result;
}

/// A reduction of `input` to `out` (out right-aligned, extent 1 or absent on reduced dimensions):
/// output j (row-major over out) folds the terms r = 0 … terms − 1 found at input offset
/// kept.offset(j) + reduced.offset(r).
struct ReductionPlan {
  StridedSpace<1> kept;
  StridedSpace<1> reduced;
  int64_t outputs = 0;
  int64_t terms = 0;

  EBM_HOST_DEVICE int64_t input_offset(int64_t output, int64_t term) const {
    int64_t first[1];
    int64_t step[1];
    kept.offsets(output, first);
    reduced.offsets(term, step);
    return first[0] + step[0];
  }
};

inline ReductionPlan reduction_plan(const char* op, const Shape& input, const Shape& out) {
  if (input.size() > max_rank * 2 || out.size() > input.size()) {
    throw std::invalid_argument(std::string(op) + ": cannot reduce " + shape_string(input) + " to " + shape_string(out));
  }
  // Walk the input's dimensions in order: a dimension is kept where out has the same extent and
  // reduced where out has 1 or none; each part is a space read with the input's strides.
  ReductionPlan plan;
  const std::size_t offset = input.size() - out.size();
  for (std::size_t d = 0; d < input.size(); ++d) {
    if (input[d] == 1) continue;
    int64_t stride[1] = {shape_numel(Shape(input.begin() + static_cast<std::ptrdiff_t>(d) + 1, input.end()))};
    const bool reduced = d < offset || out[d - offset] == 1;
    append_dimension(op, reduced ? plan.reduced : plan.kept, input[d], stride);
  }
  plan.outputs = shape_numel(out);
  plan.terms = plan.outputs == 0 ? 0 : shape_numel(input) / plan.outputs;  // 0 when the input is empty
  return plan;
}

/// slice and slice_assign as one copy: along dimension `dim`, `count` slices of `from` starting at
/// from_start go to `to` starting at to_start. Element e of the copy (row-major over outer ×
/// count × inner, outer the extents before dim and inner those after) moves between the offsets
/// below.
struct SliceCopy {
  int64_t count_inner = 0;  // count · inner: one outer index's contiguous run
  int64_t inner = 0;
  int64_t from_extent = 0, from_start = 0;
  int64_t to_extent = 0, to_start = 0;
  int64_t elements = 0;  // outer · count · inner

  EBM_HOST_DEVICE int64_t from_offset(int64_t e) const {
    return ((e / count_inner) * from_extent + from_start) * inner + e % count_inner;
  }
  EBM_HOST_DEVICE int64_t to_offset(int64_t e) const {
    return ((e / count_inner) * to_extent + to_start) * inner + e % count_inner;
  }
};

inline SliceCopy slice_copy(const Shape& from, const Shape& to, int64_t dim, int64_t count, int64_t from_start,
                            int64_t to_start) {
  SliceCopy copy;
  const auto d = static_cast<std::size_t>(dim);
  int64_t outer = 1;
  for (std::size_t i = 0; i < d; ++i) outer *= from[i];
  copy.inner = shape_numel(Shape(from.begin() + static_cast<std::ptrdiff_t>(d) + 1, from.end()));
  copy.count_inner = count * copy.inner;
  copy.from_extent = from[d];
  copy.from_start = from_start;
  copy.to_extent = to[d];
  copy.to_start = to_start;
  copy.elements = outer * copy.count_inner;
  return copy;
}

/// Threads per block of the one-dimensional kernels.
inline constexpr int block_threads = 256;
/// The most blocks a grid-stride kernel launches; each thread then loops.
inline constexpr int64_t max_blocks = 65535;

/// Blocks for `n` elements, one per thread, capped (the kernel strides by the grid).
EBM_HOST_DEVICE inline int64_t blocks_for(int64_t n, int64_t threads = block_threads) {
  const int64_t blocks = (n + threads - 1) / threads;
  return blocks < 1 ? 1 : (blocks > max_blocks ? max_blocks : blocks);
}

/// How a reduction is split over the GPU. A block of block_threads threads serves a group of
/// outputs; each output's terms are split over several threads (its lanes), whose partial results
/// one thread then folds in order, so results do not depend on timing. When the terms are
/// contiguous in memory a warp's 32 lanes read 32 consecutive terms of one output; otherwise the 32
/// threads of a warp take 32 consecutive outputs. Blocks step over output groups by the grid;
/// with several segments, segment s folds terms [s·terms_per_segment, (s + 1)·terms_per_segment)
/// into partials[s, output], and a second reduction folds the segments.
struct ReductionTiling {
  bool terms_along_lanes = false;
  int64_t output_blocks = 1;
  int64_t segments = 1;
  int64_t terms_per_segment = 0;

  EBM_HOST_DEVICE int lanes_per_output() const { return terms_along_lanes ? 32 : block_threads / 32; }
  EBM_HOST_DEVICE int outputs_per_block() const { return block_threads / lanes_per_output(); }
  /// Which of the block's outputs thread t serves, and which of that output's lanes it is.
  EBM_HOST_DEVICE int output_slot(int thread) const { return terms_along_lanes ? thread / 32 : thread % 32; }
  EBM_HOST_DEVICE int lane(int thread) const { return terms_along_lanes ? thread % 32 : thread / 32; }
  /// The thread that serves lane `lane` of output slot `slot` (the inverse of the two above).
  EBM_HOST_DEVICE int thread_of(int slot, int lane) const { return terms_along_lanes ? slot * 32 + lane : lane * 32 + slot; }
  EBM_HOST_DEVICE int64_t segment_begin(int64_t segment) const { return segment * terms_per_segment; }
  EBM_HOST_DEVICE int64_t segment_end(int64_t segment, int64_t terms) const {
    const int64_t end = (segment + 1) * terms_per_segment;
    return end < terms ? end : terms;
  }
};

/// The tiling of a plan: terms along lanes when the innermost reduced dimension is contiguous;
/// the terms split into segments when there are too few output groups to fill about
/// `target_blocks` blocks, each segment at least `min_terms_per_segment` terms long.
inline ReductionTiling reduction_tiling(const ReductionPlan& plan, int64_t target_blocks = 1024,
                                        int64_t min_terms_per_segment = 1024) {
  ReductionTiling tiling;
  tiling.terms_along_lanes = plan.reduced.rank > 0 && plan.reduced.stride[0][plan.reduced.rank - 1] == 1;
  const int64_t groups = (plan.outputs + tiling.outputs_per_block() - 1) / tiling.outputs_per_block();
  tiling.output_blocks = groups < 1 ? 1 : (groups > max_blocks ? max_blocks : groups);
  const int64_t by_length = plan.terms / min_terms_per_segment;
  const int64_t by_occupancy = target_blocks / tiling.output_blocks;
  int64_t segments = by_length < by_occupancy ? by_length : by_occupancy;
  segments = segments < 1 ? 1 : (segments > max_blocks ? max_blocks : segments);
  tiling.terms_per_segment = (plan.terms + segments - 1) / segments;
  // Rounding the length up can leave the last segments empty: count only those with terms.
  tiling.segments = tiling.terms_per_segment == 0 ? 1 : (plan.terms + tiling.terms_per_segment - 1) / tiling.terms_per_segment;
  return tiling;
}

}  // namespace ebm::cuda
