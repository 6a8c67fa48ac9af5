// How a row-major product maps onto cuBLAS's column-major GEMM, as a pure function the CPU tests
// check against a reference column-major GEMM (tests/cuda_index_test.cpp).
//
// A row-major [r, c] buffer read column-major, with leading dimension c, is its transpose. out =
// op(a)·op(b) is row-major [M, N], so cuBLAS is asked for outᵀ = op(b)ᵀ·op(a)ᵀ, column-major
// [N, M] with leading dimension N. b's buffer read column-major is bᵀ, so op(b)ᵀ is that buffer
// as it is when op(b) = b and transposed (CUBLAS_OP_T) when op(b) = bᵀ; a, cuBLAS's second
// operand, likewise.
#pragma once

#include <cstdint>

namespace ebm::cuda {

/// The arguments of cublas<T>gemm(handle, first_op, second_op, m, n, k, α = 1, first, ld_first,
/// second, ld_second, β, out, ld_out), with `first` b's buffer and `second` a's.
struct ColumnMajorGemm {
  bool transpose_first;   // CUBLAS_OP_T on b's buffer
  bool transpose_second;  // CUBLAS_OP_T on a's buffer
  int64_t m, n, k;        // out's columns N, out's rows M, the depth K
  int64_t leading_first;  // b's row length
  int64_t leading_second; // a's row length
  int64_t leading_out;    // N
  double beta;            // 1 to accumulate into out, else 0
};

/// The call for out [rows, columns] = op(a)·op(b) (+ out when accumulating), a and b row-major
/// with a_columns and b_columns elements per row and the depth `depth`. Leading dimensions are
/// at least 1, as cuBLAS requires even for empty operands.
inline ColumnMajorGemm column_major_gemm(int64_t rows, int64_t columns, int64_t depth, bool transpose_a,
                                         int64_t a_columns, bool transpose_b, int64_t b_columns, bool accumulate) {
  const auto at_least_one = [](int64_t value) { return value < 1 ? int64_t{1} : value; };
  return ColumnMajorGemm{transpose_b,
                         transpose_a,
                         columns,
                         rows,
                         depth,
                         at_least_one(b_columns),
                         at_least_one(a_columns),
                         at_least_one(columns),
                         accumulate ? 1.0 : 0.0};
}

}  // namespace ebm::cuda
