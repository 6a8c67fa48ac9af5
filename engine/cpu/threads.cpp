#include "engine/threads.hpp"

#include <algorithm>
#include <atomic>

namespace ebm {
namespace {
std::atomic<int> configured_threads{1};  // set from any thread, read by every product
}

void set_num_threads(int threads) { configured_threads.store(std::max(1, threads), std::memory_order_relaxed); }

int num_threads() {
#ifdef _OPENMP
  return configured_threads.load(std::memory_order_relaxed);
#else
  return 1;  // a build without OpenMP runs on the calling thread only
#endif
}

}  // namespace ebm
