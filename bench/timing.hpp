// Timing shared by ebm's and LibTorch's benchmark programs (C++17, so LibTorch's build takes it).
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <vector>

namespace bench {

/// Median milliseconds of `repeats` timed runs of `iteration` after `warmup` untimed ones.
inline double median_ms(const std::function<void()>& iteration, int warmup, int repeats) {
  for (int i = 0; i < warmup; ++i) iteration();
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    iteration();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + repeats / 2, times.end());
  return times[static_cast<std::size_t>(repeats / 2)];
}

/// Timed training steps: BENCH_REPEATS when set (bench/workloads.md), else `fallback`.
inline int training_repeats(int fallback) {
  const char* setting = std::getenv("BENCH_REPEATS");
  return setting != nullptr ? std::max(1, std::atoi(setting)) : fallback;
}

/// This process's peak resident memory in MB.
inline double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

}  // namespace bench
