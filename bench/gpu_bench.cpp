// ebm's side of the GPU benchmark (bench/gpu_workloads.md): one workload on Device::CUDA, one
// JSON line {"impl", "workload", "median_ms", "repeats"}. Every timed iteration ends by reading a
// value back to the host, which waits for the GPU, so the times are the GPU's.
#include <cstdio>
#include <string>

#include <ebm.hpp>

#include "timing.hpp"
#include "training_step.hpp"

using namespace ebm;

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
    bench::TrainingStep step(workload.substr(0, first), std::stoll(workload.substr(first + 1, second - first - 1)),
                             std::stoll(workload.substr(second + 2)), 256, Device::CUDA);
    ms = bench::median_ms([&step] { step(); }, 3, repeats);
  }
  std::printf("{\"impl\": \"ebm\", \"workload\": \"%s\", \"median_ms\": %.4f, \"repeats\": %d}\n", workload.c_str(), ms, repeats);
  return 0;
}
