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

using namespace ebm;

namespace {

/// One training step of `loss` with Adam on a fresh batch.
struct TrainingStep {
  TrainingStep(int64_t batch, int64_t d, const std::string& objective)
      : generator(0), energy(std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{d, 128, 128, 1}, nn::Activation::SiLU, generator)),
        batch_size(batch), dimension(d) {
    if (objective == "dsm") loss = std::make_unique<losses::DenoisingScoreMatchingLoss>(energy, losses::DSMOptions{.sigmas = {0.1}, .generator = &generator});
    if (objective == "ssm") loss = std::make_unique<losses::SlicedScoreMatchingLoss>(energy, losses::SSMOptions{.generator = &generator});
    if (objective == "sm") loss = std::make_unique<losses::ScoreMatchingLoss>(energy, losses::SMOptions{.generator = &generator});
    if (objective == "cd") {
      auto langevin = std::make_shared<samplers::LangevinDynamics>(energy, samplers::LangevinOptions{.step_size = 0.01});
      loss = std::make_unique<losses::ContrastiveDivergenceLoss>(energy, losses::CDOptions{.sampler = langevin, .n_steps = 20, .generator = &generator});
    }
    adam = std::make_unique<optim::Adam>(loss->parameters(), optim::AdamOptions{.lr = 1e-3});
  }
  void operator()() {
    const Tensor x = randn({batch_size, dimension}, generator);
    const auto output = (*loss)(x);
    adam->zero_grad();
    output.loss.backward();
    adam->step();
  }
  Generator generator;
  std::shared_ptr<energies::MLPEnergy> energy;
  std::unique_ptr<losses::Loss> loss;
  std::unique_ptr<optim::Adam> adam;
  int64_t batch_size;
  int64_t dimension;
};

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
    TrainingStep step(small ? 64 : 256, small ? 8 : 2, workload.substr(workload.find('_') + 1));
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
  std::printf("{\"impl\": \"ebm\", \"workload\": \"%s\", \"median_ms\": %.4f, \"repeats\": %d, \"peak_rss_mb\": %.1f%s}\n", workload.c_str(), ms,
              repeats, bench::peak_rss_mb(), extra.c_str());
  return 0;
}
