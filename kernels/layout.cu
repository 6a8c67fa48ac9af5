// Layout kernels: transpose, slice / slice_assign as one strided copy (kernels/index.hpp), and the
// row gather and scatter.
#include <vector>

#include "kernels/allocator.hpp"
#include "kernels/kernels.hpp"
#include "kernels/launch.cuh"
#include "kernels/staging.hpp"

namespace ebm::cuda {
namespace {

/// The tile of a transpose: read rows of a, write rows of out, both coalesced, through shared
/// memory (one padding column keeps the column reads free of bank conflicts).
constexpr int tile = 32;
constexpr int tile_rows = 8;

/// Blocks step over the tiles of a's rows by the grid (gridDim.y is at most 65,535): the loop's
/// bounds are the same for every thread of a block, so all of them reach each barrier together.
template <class T>
__global__ void transpose_kernel(const T* a, T* out, int64_t rows, int64_t columns) {
  __shared__ T buffer[tile][tile + 1];
  const int64_t column = static_cast<int64_t>(blockIdx.x) * tile + threadIdx.x;
  const int64_t row_tiles = (rows + tile - 1) / tile;
  for (int64_t row_tile = blockIdx.y; row_tile < row_tiles; row_tile += gridDim.y) {
    for (int r = threadIdx.y; r < tile; r += tile_rows) {
      const int64_t row = row_tile * tile + r;
      if (row < rows && column < columns) buffer[r][threadIdx.x] = a[row * columns + column];
    }
    __syncthreads();
    const int64_t out_column = row_tile * tile + threadIdx.x;  // a row of a
    for (int r = threadIdx.y; r < tile; r += tile_rows) {
      const int64_t out_row = static_cast<int64_t>(blockIdx.x) * tile + r;  // a column of a
      if (out_row < columns && out_column < rows) out[out_row * rows + out_column] = buffer[threadIdx.x][r];
    }
    __syncthreads();  // every thread has read this tile before the next one is written
  }
}

template <class T>
void copy_slices_as(const char* op, const Tensor& from, Tensor& to, const SliceCopy& copy) {
  const T* source = from.data<T>();
  T* target = to.data<T>();
  launch_for_each(op, copy.elements, [=] __device__(int64_t e) { target[copy.to_offset(e)] = source[copy.from_offset(e)]; });
}

void copy_slices(const char* op, const Tensor& from, Tensor& to, const SliceCopy& copy) {
  with_type(to.dtype(), [&](auto zero) { copy_slices_as<decltype(zero)>(op, from, to, copy); });
}

/// Indices copied to the device for one kernel; the buffer goes back to the cache after.
class DeviceIndices {
 public:
  explicit DeviceIndices(const std::vector<int64_t>& indices) : bytes_(indices.size() * sizeof(int64_t)) {
    data_ = static_cast<int64_t*>(allocate(bytes_));
    upload(data_, indices.data(), bytes_, "indices to the GPU");
  }
  ~DeviceIndices() { deallocate(data_, bytes_); }
  DeviceIndices(const DeviceIndices&) = delete;
  DeviceIndices& operator=(const DeviceIndices&) = delete;
  const int64_t* data() const { return data_; }

 private:
  std::size_t bytes_;
  int64_t* data_;
};

/// Elements per row: the product of the extents after dimension 0.
int64_t row_width(const Tensor& t) { return t.size(0) == 0 ? 0 : t.numel() / t.size(0); }

template <class T>
void gather_rows_as(const Tensor& a, const std::vector<int64_t>& rows, Tensor& out) {
  const DeviceIndices indices(rows);
  const int64_t* row = indices.data();
  const int64_t width = row_width(a);
  const T* x = a.data<T>();
  T* z = out.data<T>();
  launch_for_each("gather_rows", out.numel(), [=] __device__(int64_t e) { z[e] = x[row[e / width] * width + e % width]; });
}

/// Replacing: one thread per element (the rows are distinct). Accumulating: one thread per
/// (distinct target row, column), adding that target's sources in their order, so repeated rows
/// add up without atomics, in the order the CPU adds them.
template <class T>
void scatter_rows_as(const Tensor& src, const std::vector<int64_t>& rows, Tensor& out, bool accumulate) {
  const int64_t width = row_width(src);
  const T* x = src.data<T>();
  T* z = out.data<T>();
  if (!accumulate) {
    const DeviceIndices indices(rows);
    const int64_t* row = indices.data();
    launch_for_each("scatter_rows", src.numel(), [=] __device__(int64_t e) { z[row[e / width] * width + e % width] = x[e]; });
    return;
  }
  const ScatterGroups groups(rows, out.size(0));
  const DeviceIndices indices(groups.indices);
  const int64_t targets = groups.targets;
  const int64_t* target = indices.data();
  const int64_t* start = target + targets;
  const int64_t* order = start + targets + 1;
  launch_for_each("scatter_add_rows", targets * width, [=] __device__(int64_t e) {
    const int64_t j = e / width, column = e % width;
    T& total = z[target[j] * width + column];
    T sum = total;
    for (int64_t k = start[j]; k < start[j + 1]; ++k) sum += x[order[k] * width + column];
    total = sum;
  });
}

}  // namespace

void gather_rows(const Tensor& a, const std::vector<int64_t>& rows, Tensor& out) {
  if (out.numel() == 0) return;
  with_type(out.dtype(), [&](auto zero) { gather_rows_as<decltype(zero)>(a, rows, out); });
}

void scatter_rows(const Tensor& src, const std::vector<int64_t>& rows, Tensor& out, bool accumulate) {
  if (src.numel() == 0) return;
  with_type(out.dtype(), [&](auto zero) { scatter_rows_as<decltype(zero)>(src, rows, out, accumulate); });
}

void transpose(const Tensor& a, Tensor& out) {
  const int64_t rows = a.size(0), columns = a.size(1);
  if (rows == 0 || columns == 0) return;
  const int64_t column_tiles = (columns + tile - 1) / tile, row_tiles = (rows + tile - 1) / tile;
  if (column_tiles > 2147483647) {
    throw std::invalid_argument("transpose: the CUDA kernel takes up to " + std::to_string(int64_t{2147483647} * tile) +
                                " columns, got " + std::to_string(columns));
  }
  with_type(a.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const dim3 grid(static_cast<unsigned>(column_tiles), static_cast<unsigned>(row_tiles < 65535 ? row_tiles : 65535));
    transpose_kernel<<<grid, dim3(tile, tile_rows), 0, stream()>>>(a.data<T>(), out.data<T>(), rows, columns);
    check_launch("transpose");
  });
}

void slice(const Tensor& a, int64_t dim, int64_t start, Tensor& out) {
  copy_slices("slice", a, out, slice_copy(a.shape(), out.shape(), dim, out.size(dim), start, 0));
}

void slice_assign(const Tensor& src, int64_t dim, int64_t start, Tensor& out) {
  copy_slices("slice_assign", src, out, slice_copy(src.shape(), out.shape(), dim, src.size(dim), 0, start));
}

}  // namespace ebm::cuda
