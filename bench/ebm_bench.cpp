// ebm's side of the benchmark (bench/workloads.md): times one workload, prints one JSON line
// {"workload", "median_ms", "iterations", "peak_rss_mb", ...}. Run one workload per process so
// that peak memory is the workload's own.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <ebm.hpp>

#include "timing.hpp"
#include "training_step.hpp"

using namespace ebm;

namespace {

/// Single-core float32 GEMM rate through ebm::matmul (engine/cpu/gemm.hpp as the library was compiled):
/// the best of 30 runs on 512³ and on the sampling workload's own shape [4096, 128]·[128, 128],
/// whichever is faster. It is the floor the CPU allows for the workload's matrix products.
double gemm_gflops() {
  NoGradGuard no_grad;
  Generator generator(1);
  double peak = 0;
  for (const auto& [m, k, n] : {std::array<int64_t, 3>{512, 512, 512}, std::array<int64_t, 3>{4096, 128, 128}}) {
    const Tensor a = randn({m, k}, generator), b = randn({k, n}, generator);
    double best = 1e300;
    for (int i = 0; i < 30; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const Tensor c = matmul(a, b);
      best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    peak = std::max(peak, 2.0 * static_cast<double>(m * k * n) / (best * 1e6));
  }
  return peak;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ebm_bench WORKLOAD [threads]\n");
    return 2;
  }
  const std::string workload = argv[1];
  set_num_threads(argc > 2 ? std::atoi(argv[2]) : 1);
  std::string extra;
  double ms = 0;
  int repeats = 20;
  if (workload.rfind("small_", 0) == 0 || workload.rfind("medium_", 0) == 0) {
    const bool small = workload.rfind("small_", 0) == 0;
    bench::TrainingStep step(workload.substr(workload.find('_') + 1), small ? 64 : 256, small ? 8 : 2, 128);
    repeats = bench::training_repeats(repeats);
    ms = bench::median_ms([&step] { step(); }, 5, repeats);
  } else if (workload == "sampling") {
    Generator generator(0);
    auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 128, 128, 1}, nn::Activation::SiLU, generator);
    samplers::LangevinDynamics langevin(energy, {.step_size = 0.01});
    const Tensor x0 = randn({4096, 2}, generator);
    repeats = 5;
    ms = bench::median_ms([&] { langevin.sample(x0, 100, generator); }, 1, repeats);
    // Forward 2N(DH + H² + H) and input-gradient backward as much again, per step.
    const double flops = 100 * 4.0 * 4096 * (2 * 128 + 128 * 128 + 128);
    const double peak = gemm_gflops();
    char text[160];
    std::snprintf(text, sizeof text, ", \"gflops\": %.2f, \"gemm_peak_gflops\": %.2f, \"fraction_of_peak\": %.3f", flops / (ms * 1e6), peak,
                  flops / (ms * 1e6) / peak);
    extra = text;
  } else if (workload == "overhead") {
    Generator generator(0);
    const Tensor b = randn({256, 128}, generator), c = randn({256, 128}, generator) * 0.01;
    const Tensor r0 = randn({256, 128}, generator);
    ms = bench::median_ms([&] {
      NoGradGuard no_grad;
      Tensor r = r0;
      for (int i = 0; i < 1000; ++i) r = r * b + c;
    }, 2, repeats);
    char text[64];
    std::snprintf(text, sizeof text, ", \"us_per_op\": %.3f", ms * 1000 / 2000);
    extra = text;
  } else {
    std::fprintf(stderr, "unknown workload '%s'\n", workload.c_str());
    return 2;
  }
  std::printf("{\"impl\": \"ebm\", \"workload\": \"%s\", \"median_ms\": %.4f, \"repeats\": %d, \"peak_rss_mb\": %.1f, \"cpu_capability\": \"%s\"%s}\n",
              workload.c_str(), ms, repeats, bench::peak_rss_mb(), cpu_capability().c_str(), extra.c_str());
  return 0;
}
