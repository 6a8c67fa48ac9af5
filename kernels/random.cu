// Random fills from engine/philox.hpp, the code the CPU runs: element i of a draw is lane i % L of
// Philox block first_block + i / L (L = 4 for float32, 2 for float64), one thread per block. The
// uniforms are the CPU's bit for bit. Normals pair lanes (2k, 2k + 1) by Box–Muller in T as the
// CPU does; CUDA's log, sqrt, cos and sin may differ from Eigen's in the last bits. The lane loops
// are unrolled, so that the block's words and draws stay in registers (an index known only at run
// time would put them in local memory).
#include "engine/philox.hpp"
#include "kernels/kernels.hpp"
#include "kernels/launch.cuh"

namespace ebm::cuda {
namespace {

template <class T>
void random_uniform_as(Tensor& out, uint64_t seed, uint64_t first_block) {
  constexpr int lanes = philox::per_block<T>;
  T* z = out.data<T>();
  const int64_t n = out.numel();
  launch_for_each("rand", (n + lanes - 1) / lanes, [=] __device__(int64_t block) {
    const auto draws = philox::uniforms<T>(philox::stream_block(seed, first_block + static_cast<uint64_t>(block)));
#pragma unroll
    for (int lane = 0; lane < lanes; ++lane) {
      if (block * lanes + lane < n) z[block * lanes + lane] = draws.value[lane];
    }
  });
}

/// r = √(−2 log u₂ₖ), θ = 2πu₂ₖ₊₁, z₂ₖ = r cos θ, z₂ₖ₊₁ = r sin θ, with u in (0, 1).
template <class T>
void random_normal_as(Tensor& out, uint64_t seed, uint64_t first_block) {
  constexpr int lanes = philox::per_block<T>;
  T* z = out.data<T>();
  const int64_t n = out.numel();
  launch_for_each("randn", (n + lanes - 1) / lanes, [=] __device__(int64_t block) {
    const philox::Block words = philox::stream_block(seed, first_block + static_cast<uint64_t>(block));
#pragma unroll
    for (int lane = 0; lane < lanes; lane += 2) {
      const int64_t at = block * lanes + lane;
      if (at >= n) continue;
      const T radius = sqrt(T(-2) * log(static_cast<T>(philox::open_uniform<T>(words, lane))));
      const T angle = T(6.283185307179586) * static_cast<T>(philox::open_uniform<T>(words, lane + 1));
      z[at] = radius * cos(angle);
      if (at + 1 < n) z[at + 1] = radius * sin(angle);
    }
  });
}

}  // namespace

void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block) {
  with_type(out.dtype(), [&](auto zero) { random_uniform_as<decltype(zero)>(out, seed, first_block); });
}

void random_normal(Tensor& out, uint64_t seed, uint64_t first_block) {
  with_type(out.dtype(), [&](auto zero) { random_normal_as<decltype(zero)>(out, seed, first_block); });
}

}  // namespace ebm::cuda
