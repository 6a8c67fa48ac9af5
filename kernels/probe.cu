// Whether this build's kernels can run on the selected GPU: a GPU older than every architecture
// the build was compiled for (and than its PTX) has no image of them, and would fail at the first
// op with "no kernel image". Asking for a kernel's attributes launches nothing.
#include "kernels/runtime.hpp"

namespace ebm::cuda {
namespace {

__global__ void probe_kernel() {}

}  // namespace

cudaError_t kernel_image_status() {
  cudaFuncAttributes attributes{};
  return cudaFuncGetAttributes(&attributes, probe_kernel);
}

}  // namespace ebm::cuda
