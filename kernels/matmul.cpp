// matmul through cuBLAS: the row-major product mapped onto a column-major GEMM by
// column_major_gemm (kernels/gemm_mapping.hpp), on ebm's stream.
#include <climits>
#include <stdexcept>
#include <string>

#include "kernels/cublas.hpp"
#include "kernels/gemm_mapping.hpp"
#include "kernels/kernels.hpp"
#include "kernels/runtime.hpp"

namespace ebm::cuda {
namespace {

void check_cublas(cublasStatus_t status, const char* op) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw std::runtime_error(std::string("cuBLAS error in ") + op + ": " + cublas().status_string(status) + " (" +
                           cublas().status_name(status) + ")");
}

/// One handle for the process, bound to ebm's stream; never destroyed (see allocator.cpp).
cublasHandle_t handle() {
  static const cublasHandle_t instance = [] {
    cublasHandle_t created = nullptr;
    check_cublas(cublas().create(&created), "cublasCreate");
    check_cublas(cublas().set_stream(created, stream()), "cublasSetStream");
    return created;
  }();
  return instance;
}

int checked_int(int64_t value, const char* what) {
  if (value > INT_MAX) {
    throw std::invalid_argument(std::string("matmul: cuBLAS takes dimensions up to ") + std::to_string(INT_MAX) + ", got " +
                                what + " = " + std::to_string(value));
  }
  return static_cast<int>(value);
}

}  // namespace

void matmul(const Tensor& a, bool transpose_a, const Tensor& b, bool transpose_b, Tensor& out, bool accumulate) {
  const int64_t rows = out.size(0), columns = out.size(1);
  if (rows == 0 || columns == 0) return;
  const int64_t depth = transpose_a ? a.size(0) : a.size(1);
  if (depth == 0) {  // an empty sum: out = 0, or out += 0. Not left to cuBLAS's k = 0 quick return
    if (!accumulate) fill(out, 0.0);
    return;
  }
  const ColumnMajorGemm gemm = column_major_gemm(rows, columns, depth, transpose_a, a.size(1), transpose_b, b.size(1), accumulate);
  const cublasOperation_t first = gemm.transpose_first ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t second = gemm.transpose_second ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int m = checked_int(gemm.m, "columns"), n = checked_int(gemm.n, "rows"), k = checked_int(gemm.k, "depth");
  const int ld_first = checked_int(gemm.leading_first, "b's row length");
  const int ld_second = checked_int(gemm.leading_second, "a's row length");
  const int ld_out = checked_int(gemm.leading_out, "out's row length");
  if (out.dtype() == DType::Float32) {
    const float alpha = 1, beta = static_cast<float>(gemm.beta);
    check_cublas(cublas().sgemm(handle(), first, second, m, n, k, &alpha, b.data<float>(), ld_first, a.data<float>(), ld_second,
                             &beta, out.data<float>(), ld_out),
                 "matmul (cublasSgemm)");
    check_launch("matmul (cublasSgemm)");
  } else {
    const double alpha = 1, beta = gemm.beta;
    check_cublas(cublas().dgemm(handle(), first, second, m, n, k, &alpha, b.data<double>(), ld_first, a.data<double>(),
                             ld_second, &beta, out.data<double>(), ld_out),
                 "matmul (cublasDgemm)");
    check_launch("matmul (cublasDgemm)");
  }
}

}  // namespace ebm::cuda
