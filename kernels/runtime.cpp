#include "kernels/runtime.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace ebm::cuda {
namespace {

/// "13.0" for 13000, the encoding of cudaDriverGetVersion and CUDART_VERSION.
std::string cuda_version_string(int version) { return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10); }

/// The NVIDIA kernel module's version ("580.159.03"), the first word of
/// /proc/driver/nvidia/version that starts with a digit and holds a dot ("NVRM version: NVIDIA
/// UNIX Open Kernel Module for x86_64  580.159.03  Release Build …"); empty where there is none.
std::string kernel_module_version() {
  std::ifstream file("/proc/driver/nvidia/version");
  std::string word;
  while (file >> word) {
    if (std::isdigit(static_cast<unsigned char>(word[0])) && word.find('.') != std::string::npos) return word;
  }
  return "";
}

/// The CUDA version the installed driver supports (13000 for 13.0); 0 where there is no driver.
int driver_cuda_version() {
  int driver = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return driver;
}

/// "driver 580.159.03 (CUDA 13.0)", or "no NVIDIA driver".
std::string driver_summary() {
  const int driver = driver_cuda_version();
  if (driver == 0) return "no NVIDIA driver";
  const std::string module = kernel_module_version();
  return "driver " + (module.empty() ? std::string() : module + " ") + "(CUDA " + cuda_version_string(driver) + ")";
}

/// The driver this build needs. The CUDA runtime is linked statically, so its version is this
/// build's, whatever is installed on the machine.
std::string needed_driver() {
  const int release = CUDART_VERSION >= 13000 ? 580 : CUDART_VERSION >= 12000 ? 525 : 0;
  return "this build's CUDA " + cuda_version_string(CUDART_VERSION) + " runtime needs a driver for CUDA " +
         cuda_version_string(CUDART_VERSION) + " or newer" + (release > 0 ? " (r" + std::to_string(release) + " or newer)" : "");
}

/// Why CUDA reported an insufficient driver: none at all, or the one found is too old.
std::string insufficient_driver() {
  if (driver_cuda_version() == 0) return "no NVIDIA driver was found; " + needed_driver();
  return "the " + driver_summary() + " is too old: " + needed_driver() +
         "; update the driver, or build ebm with a CUDA toolkit that this driver supports";
}

/// The outcome of the one-time device probe: empty when usable, else why not. Never destroyed:
/// a tensor freed after static destruction (a global one) still asks for the backend.
const std::string& probe_failure() {
  static const std::string* failure = new std::string([] {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      cudaGetLastError();  // clear it: the CPU path goes on as if CUDA were absent
      if (status == cudaErrorInsufficientDriver) return "CUDA found no usable GPU: " + insufficient_driver();
      return std::string("CUDA found no usable GPU: ") + cudaGetErrorString(status) + " (" + driver_summary() + ")";
    }
    if (count == 0) return "CUDA found no GPU on this machine (" + driver_summary() + ")";
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

/// True when EBM_CUDA_SYNC=1 (read once).
bool synchronize_every_launch() {
  static const bool enabled = [] {
    const char* value = std::getenv("EBM_CUDA_SYNC");
    return value != nullptr && std::string(value) == "1";
  }();
  return enabled;
}

}  // namespace

void check(cudaError_t status, const char* op) {
  if (status == cudaSuccess) return;
  throw std::runtime_error(std::string("CUDA error in ") + op + ": " + cudaGetErrorString(status) + " (" +
                           cudaGetErrorName(status) + ")");
}

void check_launch(const char* op) {
  check(cudaGetLastError(), op);
  if (!synchronize_every_launch()) return;
  const cudaError_t status = cudaStreamSynchronize(stream());
  if (status == cudaSuccess) return;
  throw std::runtime_error(std::string("CUDA error in kernel ") + op + " (EBM_CUDA_SYNC=1 waits after every launch): " +
                           cudaGetErrorString(status) + " (" + cudaGetErrorName(status) + ")");
}

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
  return std::string(properties.name) + ", compute capability " + std::to_string(properties.major) + "." +
         std::to_string(properties.minor) + ", " +
         std::to_string(static_cast<double>(properties.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0)).substr(0, 5) + " GiB, " +
         driver_summary() + ", runtime CUDA " + cuda_version_string(CUDART_VERSION);
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
