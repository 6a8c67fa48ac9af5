// Matrix products on the CPU: short products as Eigen lazy products, the rest through Eigen's GEMM
// kernel (multithreaded when Eigen has threads) with its packing buffers from the thread's buffer
// cache.
#pragma once

#include <Eigen/Core>

#include "engine/cpu/buffer_cache.hpp"

namespace ebm::cpu {

/// Eigen's GEMM packs panels of both operands into two buffers. Above its stack limit (128 KB; a
/// [128, 512]·[512, 128] weight gradient needs 448 KB) Eigen allocates them with malloc for every
/// product, and glibc serves such sizes with mmap: a system call and fresh page faults per product.
/// This blocking takes them from the thread's buffer cache instead. It implements Eigen 3.4's
/// internal blocking interface the way Eigen's own gemm_blocking_space does.
template <class T>
class CachedBlocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  /// For a row-major out [rows, cols] with `depth` inner terms. Eigen computes outᵀ, so its m spans
  /// out's columns and its n out's rows.
  CachedBlocking(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
    this->m_mc = cols;
    this->m_nc = rows;
    this->m_kc = depth;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc, Eigen::Index{1});
    take();
  }
  ~CachedBlocking() { give_back(); }
  CachedBlocking(const CachedBlocking&) = delete;
  CachedBlocking& operator=(const CachedBlocking&) = delete;

  /// Eigen's call before a multithreaded product: the threads share one block of all of the
  /// left-hand rows (m is not split), blocked along k and n for `threads`.
  void initParallel(Eigen::Index rows, Eigen::Index cols, Eigen::Index depth, Eigen::Index threads) {
    give_back();
    this->m_mc = cols;
    this->m_nc = rows;
    this->m_kc = depth;
    Eigen::Index m = this->m_mc;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, m, this->m_nc, threads);
    take();
  }
  void allocateA() {}  // taken with the sizes

 private:
  std::size_t bytes_a() const { return static_cast<std::size_t>(this->m_kc * this->m_mc) * sizeof(T); }
  std::size_t bytes_b() const { return static_cast<std::size_t>(this->m_kc * this->m_nc) * sizeof(T); }
  void take() {
    this->m_blockA = static_cast<T*>(take_buffer(bytes_a()));
    this->m_blockB = static_cast<T*>(take_buffer(bytes_b()));
  }
  void give_back() {
    give_back_buffer(this->m_blockA, bytes_a());
    give_back_buffer(this->m_blockB, bytes_b());
  }
};

/// out [rows, cols] += op(a)·op(b) for row-major a, b and out, with op(a) [rows, depth] and op(b)
/// [depth, cols]. Orders are Eigen::RowMajor or Eigen::ColMajor: a stored row-major and transposed
/// reads as column-major.
template <class T, int LhsOrder, int RhsOrder>
void gemm_accumulate(const T* a, const T* b, T* out, Eigen::Index rows, Eigen::Index cols, Eigen::Index depth) {
  using Lhs = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, LhsOrder>>;
  using Rhs = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, RhsOrder>>;
  using Out = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
  using Product = Eigen::internal::general_matrix_matrix_product<Eigen::Index, T, LhsOrder, false, T, RhsOrder, false,
                                                                 Eigen::RowMajor, 1>;
  using Functor = Eigen::internal::gemm_functor<T, Eigen::Index, Product, Lhs, Rhs, Out, CachedBlocking<T>>;
  const Lhs lhs(a, rows, depth);
  const Rhs rhs(b, depth, cols);
  Out result(out, rows, cols);
  if (rows == 1 || cols == 1 || rows + cols + depth < 20) {
    // Eigen's own choice for these (it makes it at run time, below the expression): a single row or
    // column is a matrix–vector product and a tiny one a coefficient loop, neither packs.
    result.noalias() += lhs * rhs;
    return;
  }
  CachedBlocking<T> blocking(rows, cols, depth);
  Eigen::internal::parallelize_gemm<true>(Functor(lhs, rhs, result, T(1), blocking), rows, cols, depth,
                                          /*transpose=*/true);
}

/// out = op(a)·op(b), or out += op(a)·op(b) when accumulate, for row-major a, b and out [rows, cols]
/// with `depth` inner terms, op transposing when asked (a stored transposed is read as such, never
/// copied). Every product of the CPU backend comes here; the shape picks the route.
template <class T>
void matrix_product(const T* a, bool transpose_a, const T* b, bool transpose_b, T* out, Eigen::Index rows,
                    Eigen::Index cols, Eigen::Index depth, bool accumulate) {
  // Products with at most this many inner terms, or outputs per row, bypass GEMM.
  constexpr Eigen::Index few_terms = 8;
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<Matrix> z(out, rows, cols);
  const auto assign = [&](const auto& product) {
    if (accumulate) {
      z.noalias() += product;
    } else {
      z.noalias() = product;
    }
  };
  if (depth == 1) {
    // An outer product (the backward of a layer with one output): op(a) is a column and op(b) a
    // row whatever the transposes. Written row by row, without GEMM's zero fill and packing.
    assign(Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>(a, rows) *
           Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>>(b, cols));
    return;
  }
  const Eigen::Map<const Matrix> x(a, transpose_a ? depth : rows, transpose_a ? rows : depth);
  const Eigen::Map<const Matrix> y(b, transpose_b ? cols : depth, transpose_b ? depth : cols);
  if (depth <= few_terms && !transpose_b) {
    // A few terms per element (a layer from a low-dimensional input): one vectorised pass over
    // out's rows, where GEMM would pack, zero-fill and then update out.
    if (transpose_a) {
      assign(x.transpose().lazyProduct(y));
    } else {
      assign(x.lazyProduct(y));
    }
    return;
  }
  if (cols <= few_terms && !transpose_a && transpose_b) {
    // A few outputs per row (the input gradient g·Wᵀ of such a layer): one vectorised dot product
    // per element, reading a once, where GEMM would pack all of it.
    assign(x.lazyProduct(y.transpose()));
    return;
  }
  if (!accumulate) z.setZero();  // GEMM's kernel only accumulates
  if (rows == 0 || cols == 0 || depth == 0) return;
  constexpr int row = Eigen::RowMajor, column = Eigen::ColMajor;
  if (!transpose_a && !transpose_b) gemm_accumulate<T, row, row>(a, b, out, rows, cols, depth);
  if (!transpose_a && transpose_b) gemm_accumulate<T, row, column>(a, b, out, rows, cols, depth);
  if (transpose_a && !transpose_b) gemm_accumulate<T, column, row>(a, b, out, rows, cols, depth);
  if (transpose_a && transpose_b) gemm_accumulate<T, column, column>(a, b, out, rows, cols, depth);
}

}  // namespace ebm::cpu
