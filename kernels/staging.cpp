#include "kernels/staging.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>

#include "kernels/runtime.hpp"

namespace ebm::cuda {
namespace {

/// A pinned host buffer and the event recorded after the last transfer out of it.
struct StagingBuffer {
  void* data = nullptr;
  std::size_t capacity = 0;
  cudaEvent_t transferred = nullptr;
  bool in_flight = false;
};

/// Larger copies go through the buffers in pieces of this size.
constexpr std::size_t max_piece = std::size_t{16} << 20;

struct Staging {
  std::mutex mutex;
  std::array<StagingBuffer, 4> buffers;
  std::size_t next = 0;
};

/// Never destroyed, as the allocator's cache: the CUDA runtime may be gone when statics are.
Staging& staging() {
  static Staging* instance = new Staging();
  return *instance;
}

/// The next buffer in turn, its last transfer finished and room for `bytes`.
StagingBuffer& next_buffer(Staging& state, std::size_t bytes) {
  StagingBuffer& buffer = state.buffers[state.next];
  state.next = (state.next + 1) % state.buffers.size();
  if (buffer.transferred == nullptr) check(cudaEventCreateWithFlags(&buffer.transferred, cudaEventDisableTiming), "cudaEventCreate");
  if (buffer.in_flight) {
    check(cudaEventSynchronize(buffer.transferred), "staging buffer reuse");
    buffer.in_flight = false;
  }
  if (buffer.capacity < bytes) {
    if (buffer.data != nullptr) check(cudaFreeHost(buffer.data), "cudaFreeHost");
    buffer.data = nullptr;
    buffer.capacity = 0;
    const std::size_t capacity = std::max(bytes, std::size_t{64} << 10);
    check(cudaHostAlloc(&buffer.data, capacity, cudaHostAllocDefault), "cudaHostAlloc (staging buffer)");
    buffer.capacity = capacity;
  }
  return buffer;
}

}  // namespace

void upload(void* device_data, const void* host_data, std::size_t bytes, const char* op) {
  Staging& state = staging();
  const std::lock_guard lock(state.mutex);
  for (std::size_t offset = 0; offset < bytes; offset += max_piece) {
    const std::size_t piece = std::min(max_piece, bytes - offset);
    StagingBuffer& buffer = next_buffer(state, piece);
    std::memcpy(buffer.data, static_cast<const char*>(host_data) + offset, piece);
    check(cudaMemcpyAsync(static_cast<char*>(device_data) + offset, buffer.data, piece, cudaMemcpyHostToDevice, stream()), op);
    check(cudaEventRecord(buffer.transferred, stream()), op);
    buffer.in_flight = true;
  }
}

}  // namespace ebm::cuda
