// Random fills from engine/philox.hpp, the code the CPU runs: one thread per Philox block, each
// writing its block's lanes (kernels/scalar_functions.hpp's uniform_block and normal_block). The
// uniforms are the CPU's bit for bit; the normals may differ from the CPU's in the last bits
// (CUDA's log, sqrt, cos and sin are not Eigen's; docs/gpu.md gives the measured distance).
#include "kernels/kernels.hpp"
#include "kernels/launch.cuh"
#include "kernels/scalar_functions.hpp"

namespace ebm::cuda {
namespace {

template <class T>
void random_uniform_as(Tensor& out, uint64_t seed, uint64_t first_block) {
  T* z = out.data<T>();
  const int64_t n = out.numel();
  launch_for_each("rand", (n + philox::per_block<T> - 1) / philox::per_block<T>,
                  [=] __device__(int64_t block) { uniform_block(z, n, seed, first_block, block); });
}

template <class T>
void random_normal_as(Tensor& out, uint64_t seed, uint64_t first_block) {
  T* z = out.data<T>();
  const int64_t n = out.numel();
  launch_for_each("randn", (n + philox::per_block<T> - 1) / philox::per_block<T>,
                  [=] __device__(int64_t block) { normal_block(z, n, seed, first_block, block); });
}

}  // namespace

void random_uniform(Tensor& out, uint64_t seed, uint64_t first_block) {
  with_type(out.dtype(), [&](auto zero) { random_uniform_as<decltype(zero)>(out, seed, first_block); });
}

void random_normal(Tensor& out, uint64_t seed, uint64_t first_block) {
  with_type(out.dtype(), [&](auto zero) { random_normal_as<decltype(zero)>(out, seed, first_block); });
}

}  // namespace ebm::cuda
