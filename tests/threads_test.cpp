// Threads: two threads, each training its own model with its own generators, do not interfere.
// The tape, grad mode, anomaly mode, term scopes and buffer caches are per thread (docs/autodiff.md,
// "Threads"); the long script runs this case under ThreadSanitizer (scripts/reliability.sh).
#include <memory>
#include <thread>
#include <vector>

#include "energies/mlp_energy.hpp"
#include "losses/denoising_score_matching.hpp"
#include "optim/optimizer.hpp"
#include "samplers/mala.hpp"
#include "test_support.hpp"

namespace {

using namespace ebm;

struct Trained {
  std::vector<std::vector<double>> parameters;
  std::vector<double> samples;
};

/// Trains an MLP energy by DSM for `steps` steps from seed `seed`, then draws MALA samples: every
/// random draw comes from the run's own generators. With `anomaly`, in anomaly mode.
Trained train(uint64_t seed, int steps, bool anomaly) {
  const DetectAnomalyGuard anomaly_mode(anomaly);
  Generator init(seed), noise(seed + 1), data(seed + 2), chains(seed + 3);
  auto energy = std::make_shared<energies::MLPEnergy>(std::vector<int64_t>{2, 32, 32, 1}, nn::Activation::SiLU, init);
  losses::DenoisingScoreMatchingLoss dsm(energy, {.sigmas = {0.3, 0.1}, .generator = &noise});
  optim::Adam adam(energy->parameters(), {.lr = 1e-2});
  for (int step = 0; step < steps; ++step) {
    const Tensor batch = randn({64, 2}, data) * 0.5 + 1.0;
    const losses::LossOutput output = dsm(batch);
    adam.zero_grad();
    output.loss.backward();
    adam.step();
  }
  samplers::MALA mala(energy, {.step_size = 0.05});
  Trained result;
  result.samples = mala.sample(randn({32, 2}, chains), 50, chains).to_vector();
  for (const Tensor& parameter : energy->parameters()) result.parameters.push_back(parameter.to_vector());
  return result;
}

}  // namespace

TEST_CASE("two threads training their own models with their own generators do not interfere") {
  constexpr int steps = 150;
  // Alone, one after the other: the reference.
  const Trained first_alone = train(1, steps, false);
  const Trained second_alone = train(2, steps, true);
  // At the same time; the second in anomaly mode, and this thread in NoGradGuard meanwhile.
  Trained first_together, second_together;
  {
    const NoGradGuard no_grad;
    std::thread first([&] { first_together = train(1, steps, false); });
    std::thread second([&] { second_together = train(2, steps, true); });
    first.join();
    second.join();
    CHECK_FALSE(grad_mode_enabled());
  }
  CHECK(grad_mode_enabled());
  CHECK_FALSE(anomaly_detection_enabled());
  // Bit for bit: nothing one thread did reached the other.
  CHECK(first_together.parameters == first_alone.parameters);
  CHECK(first_together.samples == first_alone.samples);
  CHECK(second_together.parameters == second_alone.parameters);
  CHECK(second_together.samples == second_alone.samples);
  CHECK(first_alone.parameters != second_alone.parameters);
}
