#include "engine/backend.hpp"

#include <stdexcept>

namespace ebm {

namespace cpu {
const Backend& cpu_backend();
}

const Backend& backend(Device device) {
  if (device == Device::CPU) return cpu::cpu_backend();
  throw std::runtime_error(
      "this build of ebm has no CUDA backend, so tensors can only live on Device::CPU "
      "(the CUDA kernels in kernels/ are not part of this build)");
}

}  // namespace ebm
