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

/// Division of n in [0, 2³¹) by a fixed d in [1, 2³¹] as a multiply and a shift, since a GPU has
/// no integer divider (Granlund and Montgomery 1994, docs/gpu.md): with ℓ = ⌈log₂ d⌉ and
/// m = ⌊2³²(2^ℓ − d)/d⌋ + 1, ⌊n/d⌋ = (⌊n·m/2³²⌋ + n) >> ℓ.
class FastDivider {
 public:
  FastDivider() = default;
  explicit FastDivider(uint32_t divisor) : divisor_(divisor) {
    if (divisor == 0 || divisor > (uint32_t{1} << 31)) {
      throw std::invalid_argument("FastDivider: the divisor must be in [1, 2^31], got " + std::to_string(divisor));
    }
    while ((uint64_t{1} << shift_) < divisor) ++shift_;
    multiplier_ = static_cast<uint32_t>(((uint64_t{1} << 32) * ((uint64_t{1} << shift_) - divisor)) / divisor + 1);
  }
  EBM_HOST_DEVICE uint32_t divisor() const { return divisor_; }
  EBM_HOST_DEVICE uint32_t quotient(uint32_t n) const {
#if defined(__CUDA_ARCH__)
    const uint32_t high = __umulhi(n, multiplier_);
#else
    const auto high = static_cast<uint32_t>((uint64_t{n} * multiplier_) >> 32);
#endif
    return (high + n) >> shift_;
  }
  EBM_HOST_DEVICE uint32_t remainder(uint32_t n) const { return n - quotient(n) * divisor_; }

 private:
  uint32_t divisor_ = 1;
  uint32_t multiplier_ = 1;
  uint32_t shift_ = 0;
};

/// The largest element count whose indices take the 32-bit paths (FastDivider's numerators).
inline constexpr int64_t max_index_32 = (int64_t{1} << 31) - 1;

/// An iteration space (row-major over `extent`) and, for each of `Operands` operands, its stride
/// along each dimension: 0 where the operand is broadcast.
template <int Operands>
struct StridedSpace {
  int rank = 0;
  int64_t extent[max_rank] = {};
  int64_t stride[Operands][max_rank] = {};

  /// The element offsets of linear index `index` in each operand. The outermost index needs no
  /// remainder (it is below its extent), so one merged dimension needs no division at all.
  EBM_HOST_DEVICE void offsets(int64_t index, int64_t (&at)[Operands]) const {
    for (int k = 0; k < Operands; ++k) at[k] = 0;
    for (int d = rank - 1; d > 0; --d) {
      const int64_t i = index % extent[d];
      index /= extent[d];
      for (int k = 0; k < Operands; ++k) at[k] += i * stride[k][d];
    }
    if (rank > 0) {
      for (int k = 0; k < Operands; ++k) at[k] += index * stride[k][0];
    }
  }
};

/// A StridedSpace of fewer than 2³¹ elements, where every offset fits in 32 bits: each extent's
/// division is a FastDivider's multiply and shift instead of a 64-bit division, which a GPU
/// emulates in dozens of instructions.
template <int Operands>
struct StridedSpace32 {
  int rank = 0;
  FastDivider extent[max_rank];
  uint32_t stride[Operands][max_rank] = {};

  /// True when `space` has fewer than 2³¹ elements, so that its indices and offsets fit.
  static bool fits(const StridedSpace<Operands>& space) {
    int64_t elements = 1;
    for (int d = 0; d < space.rank; ++d) elements *= space.extent[d];
    return elements <= max_index_32;
  }
  explicit StridedSpace32(const StridedSpace<Operands>& space) : rank(space.rank) {
    for (int d = 0; d < rank; ++d) {
      extent[d] = FastDivider(static_cast<uint32_t>(space.extent[d]));
      for (int k = 0; k < Operands; ++k) stride[k][d] = static_cast<uint32_t>(space.stride[k][d]);
    }
  }

  /// As StridedSpace::offsets, for index < 2³¹.
  EBM_HOST_DEVICE void offsets(uint32_t index, uint32_t (&at)[Operands]) const {
    for (int k = 0; k < Operands; ++k) at[k] = 0;
    for (int d = rank - 1; d > 0; --d) {
      const uint32_t outer = extent[d].quotient(index);
      const uint32_t i = index - outer * extent[d].divisor();
      index = outer;
      for (int k = 0; k < Operands; ++k) at[k] += i * stride[k][d];
    }
    if (rank > 0) {
      for (int k = 0; k < Operands; ++k) at[k] += index * stride[k][0];
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

/// The space of n contiguous elements that every operand steps through alike (elementwise maps of
/// same-shape tensors).
template <int Operands>
StridedSpace<Operands> contiguous_space(int64_t n) {
  StridedSpace<Operands> space;
  space.rank = 1;
  space.extent[0] = n;
  for (int k = 0; k < Operands; ++k) space.stride[k][0] = 1;
  return space;
}

/// Elements a thread of a packed map reads and writes together: 16 bytes of float32.
inline constexpr int pack_size = 4;

/// How an operand of a packed map finds the inputs of output pack p (elements 4p … 4p + 3): its own
/// pack p (same shape as the output), pack p mod W/4 (a row over [N, W], W a multiple of 4: a
/// bias), or its one element, repeated (a scalar).
enum class PackedOperand : uint8_t { Same, Row, Scalar };

/// The packed map of a broadcast space, where every operand is one of the three kinds above.
template <int Operands>
struct PackPlan {
  PackedOperand kind[Operands] = {};
  FastDivider row_packs;  // W / 4, for Row operands

  /// The plan for `space`, or false where some operand is of none of the three kinds (or has a row
  /// operand over 2³¹ elements or more).
  static bool make(const StridedSpace<Operands>& space, PackPlan& plan) {
    if (space.rank > 2) return false;
    const int64_t width = space.rank == 2 ? space.extent[1] : 0;
    for (int k = 0; k < Operands; ++k) {
      const int64_t inner = space.rank > 0 ? space.stride[k][space.rank - 1] : 1;
      const int64_t outer = space.rank == 2 ? space.stride[k][0] : 0;
      if (space.rank == 0 || (inner == 1 && outer == width)) {
        plan.kind[k] = PackedOperand::Same;
      } else if (inner == 0 && outer == 0) {
        plan.kind[k] = PackedOperand::Scalar;
      } else if (space.rank == 2 && inner == 1 && outer == 0 && width % pack_size == 0 &&
                 space.extent[0] * width <= max_index_32) {
        plan.kind[k] = PackedOperand::Row;
        plan.row_packs = FastDivider(static_cast<uint32_t>(width / pack_size));
      } else {
        return false;
      }
    }
    return true;
  }

  /// The pack of operand k that output pack p reads (0 for a scalar, which is read whole).
  EBM_HOST_DEVICE int64_t pack_of(int k, int64_t p) const {
    if (kind[k] == PackedOperand::Same) return p;
    if (kind[k] == PackedOperand::Row) return row_packs.remainder(static_cast<uint32_t>(p));
    return 0;
  }
};

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

/// The source rows of an accumulating scatter grouped by their target row, for one thread per
/// (target, column) to add its sources in their original order: `targets` first (each distinct
/// target once), then `starts` (target j's sources are order[starts[j] … starts[j + 1])), then
/// `order`, the source rows grouped by target, ascending within a group. Built on the host by a
/// counting sort over the target rows, in one vector so that it is one upload.
struct ScatterGroups {
  std::vector<int64_t> indices;
  int64_t targets = 0;

  ScatterGroups(const std::vector<int64_t>& rows, int64_t target_rows) {
    std::vector<int64_t> count(static_cast<std::size_t>(target_rows) + 1, 0);
    for (int64_t row : rows) ++count[static_cast<std::size_t>(row) + 1];
    for (int64_t row = 0; row < target_rows; ++row) targets += count[static_cast<std::size_t>(row) + 1] > 0;
    const auto sources = static_cast<int64_t>(rows.size());
    indices.resize(static_cast<std::size_t>(2 * targets + 1 + sources));
    int64_t* target = indices.data();
    int64_t* start = target + targets;
    int64_t* order = start + targets + 1;
    // count[r] becomes the first slot of target r's sources; targets and starts follow the
    // distinct targets in ascending order.
    int64_t j = 0;
    for (int64_t row = 0; row < target_rows; ++row) {
      const auto r = static_cast<std::size_t>(row);
      const int64_t here = count[r + 1];
      count[r + 1] = count[r] + here;
      if (here > 0) {
        target[j] = row;
        start[j++] = count[r];
      }
    }
    start[targets] = sources;
    for (int64_t i = 0; i < sources; ++i) order[count[static_cast<std::size_t>(rows[static_cast<std::size_t>(i)])]++] = i;
  }
};

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
/// outputs; each output's terms are split over `lanes` threads, whose partial results the block
/// then folds pairwise in a fixed tree, so results depend on the shape alone, never on timing.
/// Lanes per output follow the number of outputs, so that few outputs still fill the block (a sum
/// to a scalar uses all 256 threads). When the terms are contiguous in memory, consecutive lanes
/// read consecutive terms of one output; otherwise consecutive threads take consecutive outputs.
/// Blocks step over output groups by the grid; with several segments, segment s folds terms
/// [s·terms_per_segment, (s + 1)·terms_per_segment) into partials[s, output], and a second
/// reduction folds the segments.
struct ReductionTiling {
  bool terms_along_lanes = false;
  int lanes = block_threads / 32;  // a power of two dividing block_threads
  int64_t output_blocks = 1;
  int64_t segments = 1;
  int64_t terms_per_segment = 0;

  EBM_HOST_DEVICE int lanes_per_output() const { return lanes; }
  EBM_HOST_DEVICE int outputs_per_block() const { return block_threads / lanes; }
  /// Which of the block's outputs thread t serves, and which of that output's lanes it is.
  EBM_HOST_DEVICE int output_slot(int thread) const { return terms_along_lanes ? thread / lanes : thread % outputs_per_block(); }
  EBM_HOST_DEVICE int lane(int thread) const { return terms_along_lanes ? thread % lanes : thread / outputs_per_block(); }
  /// The thread that serves lane `lane` of output slot `slot` (the inverse of the two above).
  EBM_HOST_DEVICE int thread_of(int slot, int lane) const {
    return terms_along_lanes ? slot * lanes + lane : lane * outputs_per_block() + slot;
  }
  EBM_HOST_DEVICE int64_t segment_begin(int64_t segment) const { return segment * terms_per_segment; }
  EBM_HOST_DEVICE int64_t segment_end(int64_t segment, int64_t terms) const {
    const int64_t end = (segment + 1) * terms_per_segment;
    return end < terms ? end : terms;
  }
};

/// The tiling of a plan: terms along lanes when the innermost reduced dimension is contiguous;
/// as many outputs per block as there are outputs (a power of two, at most 8 with contiguous
/// terms, so that each reads at least a warp's 32 terms, and at most 32 otherwise); the terms split
/// into segments when there are too few output groups to fill about `target_blocks` blocks, each
/// segment at least `min_terms_per_segment` terms long.
inline ReductionTiling reduction_tiling(const ReductionPlan& plan, int64_t target_blocks = 1024,
                                        int64_t min_terms_per_segment = 1024) {
  ReductionTiling tiling;
  tiling.terms_along_lanes = plan.reduced.rank > 0 && plan.reduced.stride[0][plan.reduced.rank - 1] == 1;
  const int64_t most_outputs = tiling.terms_along_lanes ? block_threads / 32 : 32;
  int64_t outputs_per_block = 1;
  while (outputs_per_block < plan.outputs && outputs_per_block < most_outputs) outputs_per_block *= 2;
  tiling.lanes = static_cast<int>(block_threads / outputs_per_block);
  const int64_t groups = (plan.outputs + outputs_per_block - 1) / outputs_per_block;
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
