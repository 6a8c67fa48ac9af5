#include "engine/threads.hpp"

#include <algorithm>

namespace ebm {
namespace {
int configured_threads = 1;
}

void set_num_threads(int threads) { configured_threads = std::max(1, threads); }

int num_threads() {
#ifdef _OPENMP
  return configured_threads;
#else
  return 1;  // a build without OpenMP runs on the calling thread only
#endif
}

}  // namespace ebm
