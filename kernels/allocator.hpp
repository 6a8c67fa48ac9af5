// The caching device allocator: plain cudaMalloc (never managed memory), with freed buffers kept
// by size class and handed out again, because training loops allocate the same sizes every step.
// Buffers are reused only on ebm's one stream, so a buffer freed while kernels still read it is
// handed out only to work queued after them.
#pragma once

#include <cstddef>

namespace ebm::cuda {

/// A device buffer of at least `bytes` bytes (a valid pointer for 0 bytes too). When the device is
/// out of memory, the cached buffers are released and the allocation tried once more; then it
/// throws std::runtime_error naming the size.
void* allocate(std::size_t bytes);
/// Returns a buffer from allocate(bytes) to the cache.
void deallocate(void* data, std::size_t bytes);
/// Frees every cached buffer (cudaFree); buffers in use are untouched.
void release_cached();

/// The size class of a request: a multiple of 512 bytes up to 1 MiB, of 2 MiB above.
std::size_t size_class(std::size_t bytes);

}  // namespace ebm::cuda
