#include "engine/cpu/buffer_cache.hpp"

#include <array>
#include <cstdlib>
#include <new>
#include <vector>

namespace ebm::cpu {
namespace {

constexpr std::size_t alignment = 64;

/// Size classes are powers of two: the class of `bytes` is the exponent at or above it, at least 6.
int class_of(std::size_t bytes) {
  int size_class = 6;  // 64 bytes
  while ((std::size_t{1} << size_class) < bytes) ++size_class;
  return size_class;
}

std::size_t capacity_of(int size_class) { return std::size_t{1} << size_class; }

void* allocate_class(int size_class) {
  void* data = std::aligned_alloc(alignment, capacity_of(size_class));
  if (data == nullptr) throw std::bad_alloc();
  return data;
}

/// Freed buffers kept for reuse, per thread, by power-of-two size class: training loops allocate
/// the same sizes every step, and malloc/free of large buffers (which go back to the kernel)
/// would dominate small ops. At most `limit` bytes are kept; the rest is freed.
class BufferCache {
 public:
  static constexpr std::size_t limit = std::size_t{256} << 20;

  ~BufferCache() {
    for (auto& bucket : free_) {
      for (void* data : bucket) std::free(data);
    }
  }
  void* take(std::size_t bytes) {
    const int size_class = class_of(bytes);
    auto& bucket = free_[static_cast<std::size_t>(size_class)];
    if (!bucket.empty()) {
      void* data = bucket.back();
      bucket.pop_back();
      cached_ -= capacity_of(size_class);
      return data;
    }
    return allocate_class(size_class);
  }
  void give_back(void* data, std::size_t bytes) {
    const int size_class = class_of(bytes);
    if (cached_ + capacity_of(size_class) > limit) {
      std::free(data);
      return;
    }
    free_[static_cast<std::size_t>(size_class)].push_back(data);
    cached_ += capacity_of(size_class);
  }
  std::size_t cached() const { return cached_; }

 private:
  std::array<std::vector<void*>, 64> free_;
  std::size_t cached_ = 0;
};

/// False once this thread's cache is destroyed (at thread or program exit): tensors that outlive
/// it, such as statics, then free their buffers directly. A bool needs no destruction, so it can
/// be read after the cache is gone.
thread_local bool cache_alive = false;

struct ThreadCache {
  ThreadCache() { cache_alive = true; }
  ~ThreadCache() { cache_alive = false; }
  BufferCache cache;
};

BufferCache* buffer_cache() {
  thread_local ThreadCache holder;
  return cache_alive ? &holder.cache : nullptr;
}

}  // namespace

void* take_buffer(std::size_t bytes) {
  if (BufferCache* cache = buffer_cache()) return cache->take(bytes);
  return allocate_class(class_of(bytes));
}

std::size_t cached_buffer_bytes() {
  const BufferCache* cache = buffer_cache();
  return cache != nullptr ? cache->cached() : 0;
}

void give_back_buffer(void* data, std::size_t bytes) {
  if (!cache_alive) {
    std::free(data);
    return;
  }
  buffer_cache()->give_back(data, bytes);
}

}  // namespace ebm::cpu
