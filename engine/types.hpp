// The vocabulary every layer shares: element types, devices and shapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ebm {

enum class DType { Float32, Float64 };
enum class Device { CPU, CUDA };
/// True when this build has the CUDA backend and the machine a usable GPU; never throws. CUDA is
/// initialised lazily: a build with CUDA runs on the CPU alone until a CUDA tensor is asked for.
bool cuda_is_available();
/// The GPU this build would use ("NVIDIA H200, compute capability 9.0, 139.8 GiB, driver 13.0"),
/// or why there is none; never throws.
std::string cuda_device_description();
/// The GPU architectures this build's kernels are compiled for ("80-real;90"), empty without CUDA.
std::string cuda_architectures();
/// The instruction-set level of the CPU kernels in use: "baseline" (x86-64 with SSE2, or any other
/// architecture), "avx2" (AVX2 and FMA), "avx512" (AVX-512 F, CD, BW, DQ and VL), or "native" in a
/// build with EBM_NATIVE. Chosen once, at first use: the best level of cpu_capabilities(), or the
/// one the environment variable EBM_CPU_CAPABILITY names. Throws, saying why and what is accepted,
/// when that variable names a level this build or CPU lacks (as does every CPU op then).
std::string cpu_capability();
/// The levels this build has and this CPU runs, lowest first: {"baseline", "avx2", "avx512"} on an
/// AVX-512 machine.
std::vector<std::string> cpu_capabilities();
using Shape = std::vector<int64_t>;

/// "float32" or "float64".
const char* dtype_name(DType dtype);
/// "cpu" or "cuda".
const char* device_name(Device device);
/// Bytes per element: 4 or 8.
std::size_t element_size(DType dtype);

/// "[2, 3]"; "[]" for a zero-dimensional tensor.
std::string shape_string(const Shape& shape);
/// Product of the extents; 1 for a zero-dimensional tensor.
int64_t shape_numel(const Shape& shape);

/// NumPy broadcasting: aligns trailing dimensions, each pair equal or one of them 1.
/// Throws std::invalid_argument naming `op` and both shapes when they do not broadcast.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

/// Strides of a row-major tensor of shape `shape` read in the index space of `space` (shape
/// right-aligned and broadcastable to space): 0 on broadcast dimensions. The backends' broadcast
/// kernels index their operands with these.
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& space);

/// Maps a possibly negative dimension into [0, rank); throws naming `op` when out of range.
int64_t normalize_dim(const char* op, int64_t dim, int64_t rank);

}  // namespace ebm
