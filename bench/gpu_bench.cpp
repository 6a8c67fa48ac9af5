// ebm's side of the GPU benchmark (bench/gpu_workloads.md): one workload on Device::CUDA, one
// JSON line {"impl", "workload", "median_ms", "repeats"}. Every timed iteration ends by reading a
// value back to the host, which waits for the GPU, so the times are the GPU's.
#include <cstdio>
#include <memory>
#include <string>

#include <ebm.hpp>

#include "timing.hpp"

using namespace ebm;

namespace {

/// A training step of `objective` on MLP D-256-256-1 (SiLU) with Adam, on the GPU.
struct TrainingStep {
  TrainingStep(const std::string& objective, int64_t batch, int64_t d)
      : generator(0),
        energy(std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{d, 256, 256, 1}, nn::Activation::SiLU, generator,
                                                     DType::Float32, Device::CUDA)),
        batch_size(batch),
        dimension(d) {
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
    const Tensor x = randn({batch_size, dimension}, generator, DType::Float32, Device::CUDA);
    const auto output = (*loss)(x);
    adam->zero_grad();
    output.loss.backward();
    adam->step();
    (void)energy->parameters().back().to_vector();  // waits for the GPU
  }
  Generator generator;
  std::shared_ptr<energies::MLPEnergy> energy;
  std::unique_ptr<losses::Loss> loss;
  std::unique_ptr<optim::Adam> adam;
  int64_t batch_size;
  int64_t dimension;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ebm_gpu_bench WORKLOAD (e.g. dsm_4096_d2, sampling)\n");
    return 2;
  }
  if (!cuda_is_available()) {
    std::fprintf(stderr, "ebm_gpu_bench: no usable GPU\n");
    return 3;
  }
  const std::string workload = argv[1];
  double ms = 0;
  int repeats = 10;
  if (workload == "sampling") {
    Generator generator(0);
    auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 256, 256, 1}, nn::Activation::SiLU, generator,
                                                        DType::Float32, Device::CUDA);
    samplers::LangevinDynamics langevin(energy, {.step_size = 0.01});
    const Tensor x0 = randn({65536, 2}, generator, DType::Float32, Device::CUDA);
    repeats = 3;
    ms = bench::median_ms([&] { (void)sum(langevin.sample(x0, 1000, generator)).item(); }, 1, repeats);
  } else {
    // objective_batch_dD, e.g. ssm_65536_d32.
    const auto first = workload.find('_'), second = workload.rfind("_d");
    if (first == std::string::npos || second == std::string::npos || second <= first) {
      std::fprintf(stderr, "unknown workload '%s'\n", workload.c_str());
      return 2;
    }
    TrainingStep step(workload.substr(0, first), std::stoll(workload.substr(first + 1, second - first - 1)), std::stoll(workload.substr(second + 2)));
    ms = bench::median_ms([&step] { step(); }, 3, repeats);
  }
  std::printf("{\"impl\": \"ebm\", \"workload\": \"%s\", \"median_ms\": %.4f, \"repeats\": %d}\n", workload.c_str(), ms, repeats);
  return 0;
}
