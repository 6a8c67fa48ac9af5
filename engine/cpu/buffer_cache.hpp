// Host memory for the CPU backend: freed buffers are kept per thread for reuse.
#pragma once

#include <cstddef>

namespace ebm::cpu {

/// A 64-byte-aligned buffer of at least `bytes`: one this thread freed earlier in the same
/// power-of-two size class when there is one, else a new one. Throws std::bad_alloc.
void* take_buffer(std::size_t bytes);
/// Returns a buffer from take_buffer, with the same `bytes`, to this thread's cache (or frees it
/// when the cache is full or already destroyed at thread exit).
void give_back_buffer(void* data, std::size_t bytes);
/// The bytes this thread's cache holds (whole size classes; at most 256 MiB).
std::size_t cached_buffer_bytes();

}  // namespace ebm::cpu
