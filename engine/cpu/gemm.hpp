// Matrix products on the CPU: short products as Eigen lazy products, the rest through a GEMM
// written in Eigen's packet primitives (so it is vectorised for whatever instruction set Eigen
// targets; docs/backends.md lists the Eigen::internal names used, all of them here). A register tile of out accumulates one rank-1 update per inner term, reading its
// operands in place where it can and from buffers packed from the thread's buffer cache where it
// cannot (docs/backends.md).
#pragma once

#include <Eigen/Core>

#include <algorithm>

#if defined(__SSE__)
#include <xmmintrin.h>
#endif

#include "engine/cpu/buffer_cache.hpp"
#include "engine/threads.hpp"

namespace ebm::cpu {

/// The register tile: `rows` rows of out by `columns` = 2 packets, its accumulators and the
/// operands of one inner term all in vector registers: 12 rows (24 accumulators) where there are
/// 32 registers (AVX-512), 6 where there are 16, 2 where there are 8.
template <class T>
struct GemmTile {
  using Packet = typename Eigen::internal::packet_traits<T>::type;
  static constexpr int packet = sizeof(Packet) / sizeof(T);
  static constexpr int packets_per_row = 2;
  static constexpr Eigen::Index columns = packets_per_row * packet;
  static constexpr int registers = EIGEN_ARCH_DEFAULT_NUMBER_OF_REGISTERS;
  static constexpr Eigen::Index rows = registers >= 32 ? 12 : registers >= 16 ? 6 : 2;
};

/// While it lives, the calling thread reads subnormal operands as 0 and flushes subnormal results
/// to 0 (x86's DAZ and FTZ bits of MXCSR); it then restores the thread's own two bits, so the
/// application's floating-point mode is never changed (exception flags raised meanwhile stay).
/// Intel processors take a microcode assist on every multiply–add that meets a subnormal number,
/// and such numbers arise in training: at a noise-conditional model's coarse levels (σ₁ = 24 on the
/// digits) large negative pre-activations make SiLU's derivatives tiny (1.5% of the operands of
/// the digits' products were below 1e-19), and two such factors multiply to below 1.2e-38:
/// training on the 61-column digits ran 3.2× slower (docs/performance.md). Flushing changes only
/// terms below 1.2e-38 in magnitude (float32; 2.2e-308 in float64). Without SSE it does nothing.
class SubnormalsFlushed {
 public:
#if defined(__SSE__)
  SubnormalsFlushed() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | flush_bits); }
  ~SubnormalsFlushed() { _mm_setcsr((_mm_getcsr() & ~flush_bits) | (saved_ & flush_bits)); }  // status flags raised meanwhile stay
#endif
  SubnormalsFlushed(const SubnormalsFlushed&) = delete;
  SubnormalsFlushed& operator=(const SubnormalsFlushed&) = delete;

 private:
#if defined(__SSE__)
  static constexpr unsigned flush_bits = 0x8040;  // FTZ (bit 15) and DAZ (bit 6)
  unsigned saved_;
#endif
};

/// Inner terms per block, rows per block and columns per block. With AVX-512 floats a packed
/// panel of op(b) (256 terms × 32 columns, 32 KB) is reused by every tile of a block of rows, and a
/// block's packed tiles of op(a) (96 rows × 256 terms, 96 KB) by every panel.
constexpr Eigen::Index depth_block = 256;
constexpr Eigen::Index row_block = 96;
constexpr Eigen::Index column_block = 512;

/// How the tile reads op(a)'s rows [tile rows, depth]: along each row (element (r, k) at
/// a[r·stride + k], an untransposed a in place) or across them (at a[r + k·stride]: a packed tile,
/// stride the tile's rows, or a transposed a in place).
enum class RowsRead { Along, Across };

/// out[tile_rows, tile_columns] (+)= op(a)'s tile · op(b)'s panel over `depth` inner terms, with
/// row k of the panel at b + k·b_stride: overwrites out when `overwrite`, else adds to it. A tile
/// with fewer rows or columns goes through a stack tile (a and b still hold full ones, padded).
template <class T, RowsRead read>
void multiply_tile(Eigen::Index depth, const T* __restrict a, Eigen::Index a_stride, const T* __restrict b,
                   Eigen::Index b_stride, T* out, Eigen::Index out_stride, Eigen::Index tile_rows,
                   Eigen::Index tile_columns, bool overwrite) {
  namespace internal = Eigen::internal;
  using Tile = GemmTile<T>;
  using Packet = typename Tile::Packet;
  constexpr int rows = Tile::rows, packets = Tile::packets_per_row, width = Tile::packet;
  // One of the two strides is 1, known to the compiler.
  const Eigen::Index row_stride = read == RowsRead::Along ? a_stride : 1;
  const Eigen::Index depth_stride = read == RowsRead::Along ? 1 : a_stride;
  Packet sums[rows][packets];
#pragma GCC unroll 16
  for (int r = 0; r < rows; ++r) {
#pragma GCC unroll 4
    for (int p = 0; p < packets; ++p) sums[r][p] = internal::pset1<Packet>(T(0));
  }
  for (Eigen::Index k = 0; k < depth; ++k) {
    Packet b_row[packets];
#pragma GCC unroll 4
    for (int p = 0; p < packets; ++p) b_row[p] = internal::ploadu<Packet>(b + k * b_stride + p * width);
#pragma GCC unroll 16
    for (int r = 0; r < rows; ++r) {
      const Packet a_value = internal::pset1<Packet>(a[r * row_stride + k * depth_stride]);
#pragma GCC unroll 4
      for (int p = 0; p < packets; ++p) sums[r][p] = internal::pmadd(a_value, b_row[p], sums[r][p]);
    }
  }
  if (tile_rows == rows && tile_columns == Tile::columns) {
#pragma GCC unroll 16
    for (int r = 0; r < rows; ++r) {
      T* row = out + r * out_stride;
#pragma GCC unroll 4
      for (int p = 0; p < packets; ++p) {
        T* at = row + p * width;
        internal::pstoreu(at, overwrite ? sums[r][p] : internal::padd(internal::ploadu<Packet>(at), sums[r][p]));
      }
    }
    return;
  }
  T tile[rows * Tile::columns];
  for (int r = 0; r < rows; ++r) {
    for (int p = 0; p < packets; ++p) internal::pstoreu(tile + r * Tile::columns + p * width, sums[r][p]);
  }
  for (Eigen::Index r = 0; r < tile_rows; ++r) {
    for (Eigen::Index j = 0; j < tile_columns; ++j) {
      T& target = out[r * out_stride + j];
      target = overwrite ? tile[r * Tile::columns + j] : target + tile[r * Tile::columns + j];
    }
  }
}

/// A buffer of `count` elements from the calling thread's buffer cache, given back when it goes.
template <class T>
class PackBuffer {
 public:
  explicit PackBuffer(Eigen::Index count)
      : bytes_(static_cast<std::size_t>(count) * sizeof(T)), data_(static_cast<T*>(take_buffer(bytes_))) {}
  ~PackBuffer() { give_back_buffer(data_, bytes_); }
  PackBuffer(const PackBuffer&) = delete;
  PackBuffer& operator=(const PackBuffer&) = delete;
  T* data() const { return data_; }

 private:
  std::size_t bytes_;
  T* data_;
};

/// Packs terms [depth_start, depth_start + block_depth) of columns [first, first + width) of
/// op(m) [depth, extent] (m row-major, transposed when asked) as [block_depth][width], with columns
/// past `extent` zero.
template <class T>
void pack_panel(const T* m, bool transposed, Eigen::Index extent, Eigen::Index depth, Eigen::Index depth_start,
                Eigen::Index block_depth, Eigen::Index first, Eigen::Index width, T* packed) {
  const Eigen::Index present = std::min(width, extent - first);
  if (!transposed) {  // op(m) = m [depth, extent]: rows of m, copied
    for (Eigen::Index k = 0; k < block_depth; ++k) {
      T* row = packed + k * width;
      std::copy_n(m + (depth_start + k) * extent + first, present, row);
      std::fill(row + present, row + width, T(0));
    }
    return;
  }
  // op(m) = mᵀ, m [extent, depth]: a row of m per column. Whole packets × packets transpose in
  // registers; the rest element by element.
  using Packet = typename GemmTile<T>::Packet;
  constexpr int packet = GemmTile<T>::packet;
  Eigen::Index transposed_depth = 0;
  if (present == width && width % packet == 0) {
    transposed_depth = block_depth - block_depth % packet;
    for (Eigen::Index k = 0; k < transposed_depth; k += packet) {
      for (Eigen::Index j = 0; j < width; j += packet) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"  // Packet is a vector type; Eigen's own PacketBlocks do the same
        Eigen::internal::PacketBlock<Packet, packet> block;
#pragma GCC diagnostic pop
        for (int i = 0; i < packet; ++i) {
          block.packet[i] = Eigen::internal::ploadu<Packet>(m + (first + j + i) * depth + depth_start + k);
        }
        Eigen::internal::ptranspose(block);
        for (int i = 0; i < packet; ++i) Eigen::internal::pstoreu(packed + (k + i) * width + j, block.packet[i]);
      }
    }
  }
  for (Eigen::Index j = 0; j < present; ++j) {
    const T* column = m + (first + j) * depth + depth_start;
    for (Eigen::Index k = transposed_depth; k < block_depth; ++k) packed[k * width + j] = column[k];
  }
  for (Eigen::Index k = 0; k < block_depth; ++k) std::fill(packed + k * width + present, packed + (k + 1) * width, T(0));
}

/// Whether a tile can read op(a) in place: 12 rows (or inner terms) a multiple of 4 KB apart would
/// all fall in one L1 set, more than its 8 ways hold.
template <class T>
bool spread_over_cache_sets(Eigen::Index stride) {
  return stride * Eigen::Index(sizeof(T)) % 4096 != 0;
}

/// The GEMM: out [rows, cols] = op(a)·op(b), or += when accumulate, for row-major a, b and out;
/// op(a) is [rows, depth], op(b) [depth, cols]. A tile reads op(b)'s whole panels in place when b
/// is not transposed, and op(a)'s whole tiles of rows in place when their stride allows (along an
/// untransposed a's rows, across a transposed a's); the rest is packed and zero-padded. The rows
/// are split evenly between the threads set by set_num_threads (OpenMP) when there is enough
/// work; each element's terms are summed in the same order whatever the threads.
template <class T>
void packed_product(const T* a, bool transpose_a, const T* b, bool transpose_b, T* out, Eigen::Index rows,
                    Eigen::Index cols, Eigen::Index depth, bool accumulate) {
  using Tile = GemmTile<T>;
  constexpr Eigen::Index tile_rows = Tile::rows, tile_columns = Tile::columns;
  const bool a_in_place = spread_over_cache_sets<T>(transpose_a ? rows : depth);
  // One thread per two tiles of rows at least, and only for products worth a fork (64³ terms).
  const Eigen::Index enough_rows = rows / (2 * tile_rows);
  const int threads =
      rows * cols * depth < 64 * 64 * 64 ? 1 : int(std::clamp<Eigen::Index>(enough_rows, 1, num_threads()));
  const Eigen::Index rows_per_thread = ((rows + threads - 1) / threads + tile_rows - 1) / tile_rows * tile_rows;
  // Each thread's packed tiles of a block of rows, taken here: an allocation that failed inside
  // the parallel region could not be reported.
  const Eigen::Index a_pack_size = (row_block + tile_rows - 1) / tile_rows * tile_rows * depth_block;
  PackBuffer<T> a_packs(threads * a_pack_size);
  for (Eigen::Index column_start = 0; column_start < cols; column_start += column_block) {
    const Eigen::Index block_columns = std::min(column_block, cols - column_start);
    const Eigen::Index panels = (block_columns + tile_columns - 1) / tile_columns;
    for (Eigen::Index depth_start = 0; depth_start < depth; depth_start += depth_block) {
      const Eigen::Index block_depth = std::min(depth_block, depth - depth_start);
      const bool overwrite = !accumulate && depth_start == 0;
      const auto panel_in_place = [&](Eigen::Index panel) {
        return !transpose_b && column_start + (panel + 1) * tile_columns <= cols;
      };
      PackBuffer<T> b_pack(panels * block_depth * tile_columns);
      for (Eigen::Index panel = 0; panel < panels; ++panel) {
        if (panel_in_place(panel)) continue;
        pack_panel(b, transpose_b, cols, depth, depth_start, block_depth, column_start + panel * tile_columns,
                   tile_columns, b_pack.data() + panel * block_depth * tile_columns);
      }
      // Rows [row_start, row_start + block_rows): their tiles times every panel.
      const auto multiply_rows = [&](Eigen::Index row_start, Eigen::Index block_rows, T* a_pack) {
        const Eigen::Index tiles = (block_rows + tile_rows - 1) / tile_rows;
        const auto tile_in_place = [&](Eigen::Index tile) {
          return a_in_place && row_start + (tile + 1) * tile_rows <= rows;
        };
        for (Eigen::Index tile = 0; tile < tiles; ++tile) {
          if (tile_in_place(tile)) continue;
          // op(a)'s tile packed as op(a)ᵀ's panel: a transposed is a not transposed, by rows.
          pack_panel(a, !transpose_a, rows, depth, depth_start, block_depth, row_start + tile * tile_rows, tile_rows,
                     a_pack + tile * block_depth * tile_rows);
        }
        for (Eigen::Index panel = 0; panel < panels; ++panel) {
          const Eigen::Index first_column = column_start + panel * tile_columns;
          const bool b_in_place = panel_in_place(panel);
          const T* b_panel = b_in_place ? b + depth_start * cols + first_column
                                        : b_pack.data() + panel * block_depth * tile_columns;
          const Eigen::Index b_stride = b_in_place ? cols : tile_columns;
          const Eigen::Index width = std::min(tile_columns, cols - first_column);
          for (Eigen::Index tile = 0; tile < tiles; ++tile) {
            const Eigen::Index first_row = row_start + tile * tile_rows;
            const Eigen::Index height = std::min(tile_rows, rows - first_row);
            T* out_tile = out + first_row * cols + first_column;
            if (!tile_in_place(tile)) {
              multiply_tile<T, RowsRead::Across>(block_depth, a_pack + tile * block_depth * tile_rows, tile_rows,
                                                 b_panel, b_stride, out_tile, cols, height, width, overwrite);
            } else if (transpose_a) {
              multiply_tile<T, RowsRead::Across>(block_depth, a + depth_start * rows + first_row, rows, b_panel,
                                                 b_stride, out_tile, cols, height, width, overwrite);
            } else {
              multiply_tile<T, RowsRead::Along>(block_depth, a + first_row * depth + depth_start, depth, b_panel,
                                                b_stride, out_tile, cols, height, width, overwrite);
            }
          }
        }
      };
      const auto multiply_share = [&](int thread) {
        const Eigen::Index end = std::min(rows, (thread + 1) * rows_per_thread);
        for (Eigen::Index row_start = thread * rows_per_thread; row_start < end; row_start += row_block) {
          multiply_rows(row_start, std::min(row_block, end - row_start), a_packs.data() + thread * a_pack_size);
        }
      };
      if (threads == 1) {
        multiply_share(0);
      } else {
#ifdef _OPENMP
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
        for (int thread = 0; thread < threads; ++thread) {
          const SubnormalsFlushed flushed;  // OpenMP's threads keep their own setting
          multiply_share(thread);
        }
      }
    }
  }
}

/// out = op(a)·op(b), or out += op(a)·op(b) when accumulate, for row-major a, b and out [rows, cols]
/// with `depth` inner terms, op transposing when asked (a stored transposed is read as such, never
/// copied). Every product of the CPU backend comes here; the shape picks the route. Every route
/// reads subnormal operands as 0 and flushes subnormal results to 0 (SubnormalsFlushed).
template <class T>
void matrix_product(const T* a, bool transpose_a, const T* b, bool transpose_b, T* out, Eigen::Index rows,
                    Eigen::Index cols, Eigen::Index depth, bool accumulate) {
  const SubnormalsFlushed flushed;
  // Products with at most this many inner terms, or outputs per row, or rows of a transposed a,
  // bypass GEMM.
  constexpr Eigen::Index few_terms = 8;
  constexpr Eigen::Index few_rows = 4;  // [2, 256]ᵀ·[256, 128]: 8.6 µs through GEMM's 12-row tile, 3.9 this way
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
  if (transpose_a && !transpose_b && rows <= few_rows) {
    // A few rows of a transposed a (the weight gradient xᵀg of a layer from a low-dimensional
    // input): each inner term adds a scaled row of b to each row of out, where GEMM's tile would
    // mostly compute padding.
    if (!accumulate) z.setZero();
    for (Eigen::Index k = 0; k < depth; ++k) {
      for (Eigen::Index r = 0; r < rows; ++r) z.row(r).noalias() += x(k, r) * y.row(k);
    }
    return;
  }
  if (rows == 1 || cols == 1 || rows + cols + depth < 20) {
    // A single row or column is a matrix–vector product (Eigen's GEMV) and a tiny product a
    // coefficient loop, as Eigen's own product would choose: neither packs.
    if (transpose_a && transpose_b) {
      assign(x.transpose() * y.transpose());
    } else if (transpose_a) {
      assign(x.transpose() * y);
    } else if (transpose_b) {
      assign(x * y.transpose());
    } else {
      assign(x * y);
    }
    return;
  }
  if (rows == 0 || cols == 0) return;
  if (depth == 0) {
    if (!accumulate) z.setZero();
    return;
  }
  packed_product(a, transpose_a, b, transpose_b, out, rows, cols, depth, accumulate);
}

}  // namespace ebm::cpu
