#include "kernels/runtime.hpp"

#include <stdexcept>
#include <string>

namespace ebm::cuda {
namespace {

/// The outcome of the one-time device probe: empty when usable, else why not. Never destroyed:
/// a tensor freed after static destruction (a global one) still asks for the backend.
const std::string& probe_failure() {
  static const std::string* failure = new std::string([] {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();  // clear it: the CPU path goes on as if CUDA were absent
      return std::string("CUDA found no usable GPU: ") + cudaGetErrorString(status);
    }
    if (count == 0) return std::string("CUDA found no GPU on this machine");
    const cudaError_t selected = cudaSetDevice(0);
    if (selected != cudaSuccess) {
      cudaGetLastError();
      return std::string("CUDA could not select GPU 0: ") + cudaGetErrorString(selected);
    }
    const cudaError_t image = kernel_image_status();
    if (image != cudaSuccess) {
      cudaGetLastError();
      cudaDeviceProp properties{};
      cudaGetDeviceProperties(&properties, 0);
      return std::string("the GPU (") + properties.name + ", compute capability " + std::to_string(properties.major) + "." +
             std::to_string(properties.minor) + ") cannot run this build's kernels, compiled for " + EBM_CUDA_ARCHITECTURES +
             " (" + cudaGetErrorString(image) + "; rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(properties.major) +
             std::to_string(properties.minor) + ")";
    }
    return std::string();
  }());
  return *failure;
}

}  // namespace

void check(cudaError_t status, const char* op) {
  if (status == cudaSuccess) return;
  throw std::runtime_error(std::string("CUDA error in ") + op + ": " + cudaGetErrorString(status) + " (" +
                           cudaGetErrorName(status) + ")");
}

void check_launch(const char* op) { check(cudaGetLastError(), op); }

void ensure_device() {
  const std::string& failure = probe_failure();
  if (!failure.empty()) {
    throw std::runtime_error("Device::CUDA: " + failure + ", so tensors can only live on Device::CPU (cuda_is_available() "
                             "tells beforehand)");
  }
}

bool device_usable() noexcept {
  try {
    return probe_failure().empty();
  } catch (...) {
    return false;
  }
}

std::string device_description() {
  if (!device_usable()) return probe_failure();
  cudaDeviceProp properties{};
  check(cudaGetDeviceProperties(&properties, 0), "cudaGetDeviceProperties");
  int driver = 0;
  check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
  return std::string(properties.name) + ", compute capability " + std::to_string(properties.major) + "." +
         std::to_string(properties.minor) + ", " +
         std::to_string(static_cast<double>(properties.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0)).substr(0, 5) +
         " GiB, driver " + std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10);
}

cudaStream_t stream() {
  static const cudaStream_t instance = [] {
    ensure_device();
    cudaStream_t created = nullptr;
    check(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking), "cudaStreamCreate");
    return created;
  }();
  return instance;
}

void synchronize(const char* op) { check(cudaStreamSynchronize(stream()), op); }

}  // namespace ebm::cuda
