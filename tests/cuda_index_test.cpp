// The CUDA kernels' index arithmetic and cuBLAS mapping, checked on the CPU: these are the very
// functions the kernels call (kernels/index.hpp, kernels/gemm_mapping.hpp), so every build checks
// them, with or without a GPU.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "kernels/gemm_mapping.hpp"
#include "kernels/index.hpp"

namespace {

using namespace ebm;
using namespace ebm::cuda;

/// The row-major multi-index of linear index i in shape.
std::vector<int64_t> unravel(int64_t i, const Shape& shape) {
  std::vector<int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = i % shape[d];
    i /= shape[d];
  }
  return index;
}

/// The offset in a row-major tensor of shape `shape` (right-aligned against the index, extents of
/// 1 broadcast) of the element at multi-index `index` of the larger space.
int64_t broadcast_offset(const std::vector<int64_t>& index, const Shape& shape) {
  int64_t offset = 0;
  const std::size_t skip = index.size() - shape.size();
  for (std::size_t d = 0; d < shape.size(); ++d) offset = offset * shape[d] + (shape[d] == 1 ? 0 : index[skip + d]);
  return offset;
}

/// A random shape of the given rank with extents in [1, 4], and a copy with some extents set to 1
/// and some leading dimensions dropped (a broadcastable operand or a reduction target).
struct ShapePair {
  Shape full, partial;
};
ShapePair random_pair(std::mt19937& random, std::size_t rank) {
  std::uniform_int_distribution<int64_t> extent(1, 4);
  std::bernoulli_distribution coin(0.4);
  ShapePair pair;
  for (std::size_t d = 0; d < rank; ++d) pair.full.push_back(extent(random));
  pair.partial = pair.full;
  for (int64_t& e : pair.partial) {
    if (coin(random)) e = 1;
  }
  const auto dropped = std::uniform_int_distribution<std::size_t>(0, rank)(random);
  pair.partial.erase(pair.partial.begin(), pair.partial.begin() + static_cast<std::ptrdiff_t>(dropped));
  return pair;
}

}  // namespace

TEST_CASE("FastDivider: multiply and shift give the quotient of every numerator below 2^31") {
  std::mt19937 random(7);
  std::vector<uint32_t> divisors;
  for (uint32_t d = 1; d <= 1100; ++d) divisors.push_back(d);
  for (int shift = 10; shift <= 31; ++shift) {
    const uint32_t power = uint32_t{1} << shift;
    for (uint32_t d : {power - 1, power, power + 1}) {
      if (d <= power || shift < 31) divisors.push_back(d);  // 2^31 is the largest divisor
    }
  }
  for (int k = 0; k < 300; ++k) divisors.push_back(std::uniform_int_distribution<uint32_t>(1, uint32_t{1} << 31)(random));
  const uint32_t top = (uint32_t{1} << 31) - 1;
  for (uint32_t d : divisors) {
    CAPTURE(d);
    const FastDivider divider(d);
    // Near every multiple's boundary, where a wrong multiplier shows first, and at random.
    std::vector<uint32_t> numerators = {0, 1, top, top - 1, d - 1, d};
    for (uint64_t multiple : {uint64_t{1}, uint64_t{2}, uint64_t{top / d}, uint64_t{top / d / 2 + 1}}) {
      const uint64_t n = multiple * d;
      for (uint64_t m : {n - 1, n, n + 1}) {
        if (m <= top) numerators.push_back(static_cast<uint32_t>(m));
      }
    }
    for (int k = 0; k < 200; ++k) numerators.push_back(std::uniform_int_distribution<uint32_t>(0, top)(random));
    for (uint32_t n : numerators) {
      if (n > top) continue;
      REQUIRE(divider.quotient(n) == n / d);
      REQUIRE(divider.remainder(n) == n % d);
    }
  }
  CHECK_THROWS_AS(FastDivider(0), std::invalid_argument);
  CHECK_THROWS_AS(FastDivider((uint32_t{1} << 31) + 1), std::invalid_argument);
}

TEST_CASE("strided_space: every element's operand offsets follow NumPy broadcasting, contiguous dimensions merge") {
  std::mt19937 random(1);
  for (int trial = 0; trial < 300; ++trial) {
    const ShapePair first = random_pair(random, 1 + trial % 5);
    const ShapePair second = random_pair(random, first.full.size());
    const Shape& space = first.full;
    const Shape a = first.partial;
    Shape b = second.partial;
    // Make b broadcast against space: its extents are those of space or 1.
    for (std::size_t d = 0; d < b.size(); ++d) b[d] = b[d] == 1 ? 1 : space[space.size() - b.size() + d];
    CAPTURE(shape_string(space));
    CAPTURE(shape_string(a));
    CAPTURE(shape_string(b));
    const auto plan = strided_space<2>("test", space, {a, b});
    REQUIRE(StridedSpace32<2>::fits(plan));
    const StridedSpace32<2> compact(plan);
    for (int64_t i = 0; i < shape_numel(space); ++i) {
      int64_t at[2];
      plan.offsets(i, at);
      const auto index = unravel(i, space);
      REQUIRE(at[0] == broadcast_offset(index, a));
      REQUIRE(at[1] == broadcast_offset(index, b));
      uint32_t at32[2];
      compact.offsets(static_cast<uint32_t>(i), at32);
      REQUIRE(at32[0] == at[0]);
      REQUIRE(at32[1] == at[1]);
    }
  }
  // Above 2^31 elements the 64-bit path remains.
  CHECK_FALSE(StridedSpace32<2>::fits(strided_space<2>("test", {65536, 32768}, {Shape{65536, 32768}, Shape{32768}})));
  CHECK(StridedSpace32<2>::fits(strided_space<2>("test", {65536, 32767}, {Shape{65536, 32767}, Shape{32767}})));
  CHECK(strided_space<2>("test", {5, 3, 4}, {Shape{5, 3, 4}, Shape{5, 3, 4}}).rank == 1);
  CHECK(strided_space<2>("test", {5, 3}, {Shape{5, 3}, Shape{3}}).rank == 2);
  CHECK(strided_space<2>("test", {5, 3}, {Shape{5, 3}, Shape{5, 1}}).rank == 2);
  CHECK(strided_space<1>("test", {}, {Shape{}}).rank == 0);
  CHECK(strided_space<1>("test", {1, 1}, {Shape{1}}).rank == 0);
  CHECK_THROWS_WITH_AS(strided_space<1>("binary", Shape(17, 2), {Shape{1}}), doctest::Contains("up to 16 dimensions"),
                       std::invalid_argument);
}

TEST_CASE("PackPlan: a packed map reads the elements NumPy broadcasting names, where it applies") {
  // Element e of output pack p is element 4p + e; its operand k is element e of pack
  // plan.pack_of(k, p), or the one element of a scalar.
  const auto check_plan = [](const Shape& space_shape, const std::array<Shape, 2>& shapes, bool packable) {
    CAPTURE(shape_string(space_shape));
    CAPTURE(shape_string(shapes[0]));
    CAPTURE(shape_string(shapes[1]));
    const auto space = strided_space<2>("test", space_shape, shapes);
    PackPlan<2> plan;
    REQUIRE(PackPlan<2>::make(space, plan) == packable);
    if (!packable) return;
    for (int64_t i = 0; i < shape_numel(space_shape); ++i) {
      int64_t at[2];
      space.offsets(i, at);
      for (int k = 0; k < 2; ++k) {
        const int64_t packed = plan.kind[k] == PackedOperand::Scalar ? 0 : plan.pack_of(k, i / pack_size) * pack_size + i % pack_size;
        REQUIRE(packed == at[k]);
      }
    }
  };
  check_plan({7}, {Shape{7}, Shape{7}}, true);             // same shape, with a tail of 3
  check_plan({6, 8}, {Shape{6, 8}, Shape{8}}, true);       // a bias: a row operand
  check_plan({6, 8}, {Shape{8}, Shape{6, 8}}, true);
  check_plan({6, 8}, {Shape{6, 8}, Shape{1}}, true);       // a scalar
  check_plan({9}, {Shape{}, Shape{9}}, true);
  check_plan({}, {Shape{}, Shape{}}, true);                // one element
  check_plan({6, 6}, {Shape{6, 6}, Shape{6}}, false);      // a row whose width is not a multiple of 4
  check_plan({6, 8}, {Shape{6, 8}, Shape{6, 1}}, false);   // a column
  check_plan({2, 3, 4}, {Shape{2, 3, 4}, Shape{3, 1}}, false);
}

TEST_CASE("reduction_plan: each input element is a term of exactly the output it broadcasts to") {
  std::mt19937 random(2);
  for (int trial = 0; trial < 300; ++trial) {
    const ShapePair pair = random_pair(random, 1 + trial % 5);
    const Shape& input = pair.full;
    const Shape& out = pair.partial;
    CAPTURE(shape_string(input));
    CAPTURE(shape_string(out));
    const ReductionPlan plan = reduction_plan("sum_to", input, out);
    REQUIRE(plan.outputs == shape_numel(out));
    REQUIRE(plan.outputs * plan.terms == shape_numel(input));
    std::vector<int> visits(static_cast<std::size_t>(shape_numel(input)), 0);
    for (int64_t output = 0; output < plan.outputs; ++output) {
      for (int64_t term = 0; term < plan.terms; ++term) {
        const int64_t offset = plan.input_offset(output, term);
        REQUIRE(offset >= 0);
        REQUIRE(offset < shape_numel(input));
        ++visits[static_cast<std::size_t>(offset)];
        REQUIRE(broadcast_offset(unravel(offset, input), out) == output);
      }
    }
    CHECK(std::all_of(visits.begin(), visits.end(), [](int count) { return count == 1; }));
  }
  // Rows of a matrix into a row: terms 2 apart, not contiguous; a row sum: terms contiguous.
  CHECK_FALSE(reduction_tiling(reduction_plan("sum_to", {3, 2}, {2})).terms_along_lanes);
  CHECK(reduction_tiling(reduction_plan("sum_to", {3, 2}, {3, 1})).terms_along_lanes);
  const ReductionPlan empty_input = reduction_plan("sum_to", {0, 3}, {3});
  CHECK(empty_input.outputs == 3);
  CHECK(empty_input.terms == 0);
  CHECK(reduction_plan("sum_to", {4, 0}, {4, 0}).outputs == 0);
}

TEST_CASE("reduction_tiling: the kernel's threads cover every (output, term) pair exactly once, in segments") {
  for (const auto& [input, out] : std::vector<std::pair<Shape, Shape>>{{{70000, 3}, {3}},       // few outputs, many terms
                                                                        {{5, 3000}, {5, 1}},     // contiguous terms
                                                                        {{300, 7}, {300, 1}},    // many short rows
                                                                        {{33, 2, 5}, {1, 2, 1}},
                                                                        {{2048, 5}, {}}}) {
    CAPTURE(shape_string(input));
    const ReductionPlan plan = reduction_plan("sum_to", input, out);
    const ReductionTiling tiling = reduction_tiling(plan, /*target_blocks=*/64, /*min_terms_per_segment=*/512);
    for (int thread = 0; thread < block_threads; ++thread) {
      REQUIRE(tiling.thread_of(tiling.output_slot(thread), tiling.lane(thread)) == thread);
    }
    REQUIRE(tiling.outputs_per_block() * tiling.lanes_per_output() == block_threads);
    REQUIRE(tiling.segment_begin(tiling.segments - 1) < std::max<int64_t>(plan.terms, 1));
    REQUIRE(tiling.segment_end(tiling.segments - 1, plan.terms) == plan.terms);
    // The loops of reduce_kernel (kernels/reduction.cu), run here over every block and thread.
    std::map<std::pair<int64_t, int64_t>, int> visits;
    for (int64_t segment = 0; segment < tiling.segments; ++segment) {
      for (int64_t block = 0; block < tiling.output_blocks; ++block) {
        for (int thread = 0; thread < block_threads; ++thread) {
          for (int64_t group = block * tiling.outputs_per_block(); group < plan.outputs;
               group += tiling.output_blocks * tiling.outputs_per_block()) {
            const int64_t output = group + tiling.output_slot(thread);
            if (output >= plan.outputs) continue;
            for (int64_t term = tiling.segment_begin(segment) + tiling.lane(thread); term < tiling.segment_end(segment, plan.terms);
                 term += tiling.lanes_per_output()) {
              ++visits[{output, term}];
            }
          }
        }
      }
    }
    CHECK(static_cast<int64_t>(visits.size()) == plan.outputs * plan.terms);
    CHECK(std::all_of(visits.begin(), visits.end(), [](const auto& visit) { return visit.second == 1; }));
  }
  // 70,000 terms into 3 outputs: one output group, so the terms are split to fill the blocks.
  const ReductionTiling split = reduction_tiling(reduction_plan("sum_to", {70000, 3}, {3}), 64, 512);
  CHECK(split.output_blocks == 1);
  CHECK(split.segments == 64);
  // 300 outputs of 7 terms: too short to split.
  CHECK(reduction_tiling(reduction_plan("sum_to", {300, 7}, {300, 1}), 64, 512).segments == 1);
  // Few outputs take many lanes each, so that the block is busy: [B, 2] → [2] uses 128 lanes per
  // output, a sum to a scalar all 256 threads; many outputs keep 8 (strided) or 32 (contiguous).
  CHECK(reduction_tiling(reduction_plan("sum_to", {65536, 2}, {2})).lanes_per_output() == 128);
  CHECK(reduction_tiling(reduction_plan("sum_to", {65536, 3}, {3})).lanes_per_output() == 64);
  CHECK(reduction_tiling(reduction_plan("sum_to", {65536}, {})).lanes_per_output() == 256);
  CHECK(reduction_tiling(reduction_plan("sum_to", {3, 4096}, {3, 1})).lanes_per_output() == 64);
  CHECK(reduction_tiling(reduction_plan("sum_to", {4096, 256}, {256})).lanes_per_output() == 8);
  CHECK(reduction_tiling(reduction_plan("sum_to", {256, 4096}, {256, 1})).lanes_per_output() == 32);
}

TEST_CASE("ScatterGroups: each target row's sources, in their original order, for one thread per target") {
  std::mt19937 random(5);
  for (int trial = 0; trial < 50; ++trial) {
    const int64_t target_rows = std::uniform_int_distribution<int64_t>(1, 40)(random);
    std::vector<int64_t> rows(std::uniform_int_distribution<std::size_t>(0, 120)(random));
    for (int64_t& row : rows) row = std::uniform_int_distribution<int64_t>(0, target_rows - 1)(random);
    const ScatterGroups groups(rows, target_rows);
    // The reference: the sources of each target in ascending order.
    std::map<int64_t, std::vector<int64_t>> sources;
    for (std::size_t i = 0; i < rows.size(); ++i) sources[rows[i]].push_back(static_cast<int64_t>(i));
    REQUIRE(groups.targets == static_cast<int64_t>(sources.size()));
    REQUIRE(groups.indices.size() == 2 * sources.size() + 1 + rows.size());
    const int64_t* target = groups.indices.data();
    const int64_t* start = target + groups.targets;
    const int64_t* order = start + groups.targets + 1;
    int64_t j = 0;
    for (const auto& [row, list] : sources) {
      REQUIRE(target[j] == row);
      REQUIRE(std::vector<int64_t>(order + start[j], order + start[j + 1]) == list);
      ++j;
    }
    CHECK(start[groups.targets] == static_cast<int64_t>(rows.size()));
  }
}

TEST_CASE("slice_copy: slice and slice_assign offsets, against a reference copy") {
  const Shape whole{3, 5, 4};
  for (int64_t dim = 0; dim < 3; ++dim) {
    CAPTURE(dim);
    const int64_t start = 1, count = whole[static_cast<std::size_t>(dim)] - 2;
    Shape part = whole;
    part[static_cast<std::size_t>(dim)] = count;
    // slice: element e of the copy reads whole at index (…, start + i, …) and writes part at (…, i, …).
    const SliceCopy copy = slice_copy(whole, part, dim, count, start, 0);
    REQUIRE(copy.elements == shape_numel(part));
    for (int64_t e = 0; e < copy.elements; ++e) {
      std::vector<int64_t> index = unravel(copy.to_offset(e), part);
      REQUIRE(copy.to_offset(e) == e);
      index[static_cast<std::size_t>(dim)] += start;
      REQUIRE(copy.from_offset(e) == broadcast_offset(index, whole));
    }
    // slice_assign is the same copy the other way.
    const SliceCopy assign = slice_copy(part, whole, dim, count, 0, start);
    for (int64_t e = 0; e < assign.elements; ++e) REQUIRE(assign.to_offset(e) == copy.from_offset(e));
  }
}

TEST_CASE("blocks_for: at least one block, enough threads for n, capped for grid-stride loops") {
  CHECK(blocks_for(0) == 1);
  CHECK(blocks_for(1) == 1);
  CHECK(blocks_for(block_threads) == 1);
  CHECK(blocks_for(block_threads + 1) == 2);
  CHECK(blocks_for(int64_t{1} << 40) == max_blocks);
}

namespace {

/// Reference column-major GEMM with BLAS's conventions: C = op(A)·op(B) + β·C for column-major A,
/// B, C with leading dimensions lda, ldb, ldc (C is m × n, the depth k).
void reference_column_major_gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const double* a,
                                 int64_t lda, const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = 0; i < m; ++i) {
      double total = 0;
      for (int64_t p = 0; p < k; ++p) {
        const double left = transpose_a ? a[p + i * lda] : a[i + p * lda];
        const double right = transpose_b ? b[j + p * ldb] : b[p + j * ldb];
        total += left * right;
      }
      c[i + j * ldc] = total + (beta == 0 ? 0 : beta * c[i + j * ldc]);
    }
  }
}

}  // namespace

TEST_CASE("column_major_gemm: row-major op(a)·op(b) (+ out) through a column-major GEMM") {
  std::mt19937 random(3);
  std::uniform_real_distribution<double> value(-1, 1);
  for (const auto& [rows, columns, depth] : std::vector<std::array<int64_t, 3>>{{3, 5, 4}, {1, 7, 2}, {6, 1, 3}, {4, 4, 0}, {2, 3, 1}}) {
    for (int flags = 0; flags < 8; ++flags) {
      const bool transpose_a = flags & 1, transpose_b = flags & 2, accumulate = flags & 4;
      CAPTURE(rows);
      CAPTURE(columns);
      CAPTURE(depth);
      CAPTURE(flags);
      // a is [rows, depth] or, transposed, [depth, rows]; b is [depth, columns] or [columns, depth].
      const int64_t a_columns = transpose_a ? rows : depth, b_columns = transpose_b ? depth : columns;
      std::vector<double> a(static_cast<std::size_t>(rows * depth)), b(static_cast<std::size_t>(depth * columns));
      std::vector<double> out(static_cast<std::size_t>(rows * columns));
      for (double& v : a) v = value(random);
      for (double& v : b) v = value(random);
      for (double& v : out) v = value(random);
      std::vector<double> expected = out;
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < columns; ++j) {
          double total = 0;
          for (int64_t p = 0; p < depth; ++p) {
            total += a[static_cast<std::size_t>(transpose_a ? p * a_columns + i : i * a_columns + p)] *
                     b[static_cast<std::size_t>(transpose_b ? j * b_columns + p : p * b_columns + j)];
          }
          double& target = expected[static_cast<std::size_t>(i * columns + j)];
          target = total + (accumulate ? target : 0);
        }
      }
      const ColumnMajorGemm gemm = column_major_gemm(rows, columns, depth, transpose_a, a_columns, transpose_b, b_columns, accumulate);
      CHECK(gemm.leading_first >= 1);
      CHECK(gemm.leading_second >= 1);
      reference_column_major_gemm(gemm.transpose_first, gemm.transpose_second, gemm.m, gemm.n, gemm.k, b.data(), gemm.leading_first,
                                  a.data(), gemm.leading_second, gemm.beta, out.data(), gemm.leading_out);
      for (std::size_t i = 0; i < out.size(); ++i) REQUIRE(out[i] == doctest::Approx(expected[i]).epsilon(1e-14));
    }
  }
}
