// Iteration over broadcast operands on the CPU. Each operand is described, in the index space of
// an iteration shape, by one stride per dimension (0 where it is broadcast). Dimensions that are
// contiguous for every operand are merged, so same-shape operands run as one flat loop.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/types.hpp"

namespace ebm::cpu {

/// Calls run(offsets, length, inner_strides) for every innermost run of the iteration space;
/// offsets[k] is where operand k's run starts, inner_strides[k] its stride along the run.
template <std::size_t N, class Run>
void for_each_run(const Shape& space, std::array<std::vector<int64_t>, N> strides, Run&& run) {
  if (shape_numel(space) == 0) return;  // nothing to visit
  // Merge dimension d into the previous kept dimension when every operand steps through both as one.
  Shape extents;
  std::array<std::vector<int64_t>, N> merged;
  for (std::size_t d = 0; d < space.size(); ++d) {
    if (space[d] == 1) continue;
    const bool mergeable = !extents.empty() && [&] {
      for (std::size_t k = 0; k < N; ++k) {
        if (merged[k].back() != strides[k][d] * space[d]) return false;
      }
      return true;
    }();
    if (mergeable) {
      extents.back() *= space[d];
      for (std::size_t k = 0; k < N; ++k) merged[k].back() = strides[k][d];
    } else {
      extents.push_back(space[d]);
      for (std::size_t k = 0; k < N; ++k) merged[k].push_back(strides[k][d]);
    }
  }
  std::array<int64_t, N> offsets{};
  std::array<int64_t, N> inner{};
  if (extents.empty()) {
    run(offsets, int64_t{1}, inner);
    return;
  }
  const std::size_t outer_rank = extents.size() - 1;
  const int64_t length = extents.back();
  for (std::size_t k = 0; k < N; ++k) inner[k] = merged[k].back();
  std::vector<int64_t> index(outer_rank, 0);
  while (true) {
    run(offsets, length, inner);
    std::size_t d = outer_rank;
    while (d > 0) {
      --d;
      ++index[d];
      for (std::size_t k = 0; k < N; ++k) offsets[k] += merged[k][d];
      if (index[d] < extents[d]) break;
      for (std::size_t k = 0; k < N; ++k) offsets[k] -= merged[k][d] * extents[d];
      index[d] = 0;
      if (d == 0) return;
    }
    if (outer_rank == 0) return;
  }
}

}  // namespace ebm::cpu
