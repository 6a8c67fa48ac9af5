#include "engine/threads.hpp"

#include <Eigen/Core>
#include <algorithm>

namespace ebm {
namespace {
int configured_threads = 1;
}

void set_num_threads(int threads) {
  configured_threads = std::max(1, threads);
  Eigen::setNbThreads(configured_threads);
}

int num_threads() { return Eigen::nbThreads(); }

namespace cpu {
/// Called when the CPU backend is first used, so the default of 1 holds even with OpenMP.
void apply_thread_setting() { Eigen::setNbThreads(configured_threads); }
}  // namespace cpu

}  // namespace ebm
