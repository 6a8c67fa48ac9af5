#include "kernels/allocator.hpp"

#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernels/runtime.hpp"

namespace ebm::cuda {
namespace {

struct Cache {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_buffers;  // by size class
};

/// Never destroyed: tensors that outlive main() still return their buffers to it, and the CUDA
/// runtime may already be gone when static destructors run.
Cache& cache() {
  static Cache* instance = new Cache();
  return *instance;
}

}  // namespace

std::size_t size_class(std::size_t bytes) {
  constexpr std::size_t small = 512, large = 2 << 20, small_limit = 1 << 20;
  if (bytes == 0) return small;
  const std::size_t unit = bytes <= small_limit ? small : large;
  return (bytes + unit - 1) / unit * unit;
}

void* allocate(std::size_t bytes) {
  ensure_device();
  const std::size_t rounded = size_class(bytes);
  Cache& buffers = cache();
  {
    const std::lock_guard lock(buffers.mutex);
    auto found = buffers.free_buffers.find(rounded);
    if (found != buffers.free_buffers.end() && !found->second.empty()) {
      void* data = found->second.back();
      found->second.pop_back();
      return data;
    }
  }
  void* data = nullptr;
  if (cudaMalloc(&data, rounded) != cudaSuccess) {
    cudaGetLastError();  // clear the out-of-memory error, then try again with the cache emptied
    release_cached();
    const cudaError_t status = cudaMalloc(&data, rounded);
    if (status != cudaSuccess) {
      cudaGetLastError();
      throw std::runtime_error("CUDA could not allocate " + std::to_string(bytes) + " bytes on the GPU: " +
                               cudaGetErrorString(status));
    }
  }
  return data;
}

void deallocate(void* data, std::size_t bytes) {
  if (data == nullptr) return;
  Cache& buffers = cache();
  const std::lock_guard lock(buffers.mutex);
  buffers.free_buffers[size_class(bytes)].push_back(data);
}

void release_cached() {
  Cache& buffers = cache();
  const std::lock_guard lock(buffers.mutex);
  // A cached buffer may still be read by queued work (it was freed after its kernels were queued):
  // wait for the stream rather than rely on cudaFree's implicit synchronisation ("for most uses").
  synchronize("cudaFree");
  for (auto& [size, list] : buffers.free_buffers) {
    while (!list.empty()) {  // out of the list before cudaFree, so a throw leaves no freed pointer behind
      void* data = list.back();
      list.pop_back();
      check(cudaFree(data), "cudaFree");
    }
  }
}

}  // namespace ebm::cuda
