// One training step of a workload (bench/workloads.md, bench/gpu_workloads.md): loss, backward and
// Adam on a fresh batch, for an MLP energy D-H-H-1 with SiLU, on the CPU or the GPU.
#pragma once

#include <memory>
#include <string>

#include <ebm.hpp>

namespace bench {

struct TrainingStep {
  TrainingStep(const std::string& objective, int64_t batch, int64_t d, int64_t hidden, ebm::Device device = ebm::Device::CPU)
      : generator(0),
        energy(std::make_shared<ebm::energies::MLPEnergy>(std::vector<int64_t>{d, hidden, hidden, 1}, ebm::nn::Activation::SiLU,
                                                          generator, ebm::DType::Float32, device)),
        batch_size(batch),
        dimension(d),
        device(device) {
    using namespace ebm::losses;
    if (objective == "dsm") loss = std::make_unique<DenoisingScoreMatchingLoss>(energy, DSMOptions{.sigmas = {0.1}, .generator = &generator});
    if (objective == "ssm") loss = std::make_unique<SlicedScoreMatchingLoss>(energy, SSMOptions{.generator = &generator});
    if (objective == "sm") loss = std::make_unique<ScoreMatchingLoss>(energy, SMOptions{.generator = &generator});
    if (objective == "cd") {
      auto langevin = std::make_shared<ebm::samplers::LangevinDynamics>(energy, ebm::samplers::LangevinOptions{.step_size = 0.01});
      loss = std::make_unique<ContrastiveDivergenceLoss>(energy, CDOptions{.sampler = langevin, .n_steps = 20, .generator = &generator});
    }
    if (!loss) throw std::invalid_argument("unknown objective '" + objective + "' (dsm, ssm, sm or cd)");
    adam = std::make_unique<ebm::optim::Adam>(loss->parameters(), ebm::optim::AdamOptions{.lr = 1e-3});
  }

  void operator()() {
    const ebm::Tensor x = ebm::randn({batch_size, dimension}, generator, ebm::DType::Float32, device);
    const auto output = (*loss)(x);
    adam->zero_grad();
    output.loss.backward();
    adam->step();
    // On the GPU, reading a value back waits for the queued work, so a timed step is all of it.
    if (device != ebm::Device::CPU) (void)energy->parameters().back().to_vector();
  }

  ebm::Generator generator;
  std::shared_ptr<ebm::energies::MLPEnergy> energy;
  std::unique_ptr<ebm::losses::Loss> loss;
  std::unique_ptr<ebm::optim::Adam> adam;
  int64_t batch_size;
  int64_t dimension;
  ebm::Device device;
};

}  // namespace bench
