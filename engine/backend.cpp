#include "engine/backend.hpp"

#include <stdexcept>
#include <string>

#include "engine/cpu/dispatch.hpp"

namespace ebm {

#if defined(EBM_WITH_CUDA)
namespace cuda {
const Backend& cuda_backend();
bool available() noexcept;
std::string device_description();
}  // namespace cuda
#endif

const Backend& backend(Device device) {
  if (device == Device::CPU) return cpu::cpu_backend();
#if defined(EBM_WITH_CUDA)
  return cuda::cuda_backend();  // throws, saying why, when this machine has no usable GPU
#else
  throw std::runtime_error(
      "Device::CUDA: this build of ebm has no CUDA backend, so tensors can only live on Device::CPU (configure with "
      "-DEBM_CUDA=ON where nvcc and cuBLAS are installed; cuda_is_available() tells beforehand)");
#endif
}

bool cuda_is_available() {
#if defined(EBM_WITH_CUDA)
  return cuda::available();
#else
  return false;
#endif
}

std::string cuda_device_description() {
#if defined(EBM_WITH_CUDA)
  try {
    return cuda::device_description();
  } catch (const std::exception& error) {
    return error.what();
  }
#else
  return "this build has no CUDA backend";
#endif
}

std::string cuda_architectures() {
#if defined(EBM_WITH_CUDA)
  return EBM_CUDA_ARCHITECTURES;
#else
  return "";
#endif
}

}  // namespace ebm
