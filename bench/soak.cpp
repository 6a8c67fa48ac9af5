// The soak run (docs/reliability.md, "Soak"): many DSM training steps on a noise-conditional MLP
// energy, then many Langevin steps on it, with the process's resident memory sampled throughout.
// Memory must stay flat: the program fits a line to resident memory against the step, after a
// warm-up, and reports its slope and the growth it implies over the run.
//   ebm_soak [DSM_STEPS=100000] [LANGEVIN_STEPS=100000] [SAMPLES=100]
// Prints one "phase,step,resident_mb" row per sample, then one summary line per phase. Exits 1
// when a phase's fitted growth after warm-up reaches 1 MiB.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string_view>
#include <unistd.h>
#include <vector>

#include "ebm.hpp"

namespace {

using namespace ebm;

constexpr double kMiB = 1024.0 * 1024.0;

/// Resident set size of this process in MiB, from /proc/self/statm.
double resident_mb() {
  std::ifstream statm("/proc/self/statm");
  long total_pages = 0, resident_pages = 0;
  statm >> total_pages >> resident_pages;
  return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE)) / kMiB;
}

/// Resident memory sampled at steps of one phase.
struct ResidentTrace {
  const char* phase;
  std::vector<double> steps, resident;

  void sample(int64_t step) {
    steps.push_back(static_cast<double>(step));
    resident.push_back(resident_mb());
    std::printf("%s,%lld,%.3f\n", phase, static_cast<long long>(step), resident.back());
  }

  /// Least-squares slope of resident memory (MiB) per step over the samples after the first fifth
  /// (the warm-up: allocator pools and buffer caches filling); prints the summary, returns whether
  /// the fitted growth over those steps is under 1 MiB.
  bool report() const {
    const std::size_t first = steps.size() / 5, n = steps.size() - first;
    double mean_step = 0, mean_resident = 0;
    for (std::size_t i = first; i < steps.size(); ++i) mean_step += steps[i] / n, mean_resident += resident[i] / n;
    double covariance = 0, variance = 0;
    for (std::size_t i = first; i < steps.size(); ++i) {
      covariance += (steps[i] - mean_step) * (resident[i] - mean_resident);
      variance += (steps[i] - mean_step) * (steps[i] - mean_step);
    }
    const double slope = variance > 0 ? covariance / variance : 0;  // MiB per step
    const double fitted_growth = slope * (steps.back() - steps[first]);
    std::printf("# %s: %.0f steps, resident %.1f MiB after warm-up (step %.0f), %.1f MiB at the end; slope %.3g KiB per 1,000 steps, "
                "fitted growth %.3f MiB\n",
                phase, steps.back(), resident[first], steps[first], resident.back(), slope * 1000 * 1024, fitted_growth);
    return fitted_growth < 1.0;
  }
};

int64_t argument(int argc, char** argv, int index, int64_t fallback) {
  if (argc <= index) return fallback;
  int64_t value = 0;
  const std::string_view text = argv[index];
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 10) {
    std::fprintf(stderr, "ebm_soak: argument %d must be a whole number of at least 10, got '%s'\n", index, argv[index]);
    std::exit(2);
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t dsm_steps = argument(argc, argv, 1, 100000);
  const int64_t langevin_steps = argument(argc, argv, 2, 100000);
  const int64_t samples = argument(argc, argv, 3, 100);
  std::printf("phase,step,resident_mb\n");

  // DSM on a two-mode Gaussian mixture, at ten noise levels, as `ebm train --loss dsm` trains.
  Generator init(1), noise(2), data(3), chains(4);
  auto energy = std::make_shared<energies::NoiseConditionalMLPEnergy>(std::vector<int64_t>{2, 64, 64, 1}, nn::Activation::SiLU, init);
  std::vector<double> sigmas;
  for (double sigma = 1.0; sigmas.size() < 10; sigma *= 0.72) sigmas.push_back(sigma);
  losses::DenoisingScoreMatchingLoss dsm(energy, {.sigmas = sigmas, .generator = &noise});
  optim::Adam adam(energy->parameters(), {.lr = 1e-3});
  ResidentTrace training{"dsm", {}, {}};
  const int64_t dsm_every = std::max<int64_t>(1, dsm_steps / samples);
  for (int64_t step = 1; step <= dsm_steps; ++step) {
    const Tensor side = 2.0 * greater(rand({128, 1}, data), 0.5) - 1.0;  // the mode at (−1, 0) or (1, 0)
    const Tensor loss = dsm(cat({side, zeros({128, 1})}, 1) + 0.1 * randn({128, 2}, data)).loss;
    adam.zero_grad();
    loss.backward();
    adam.step();
    if (step % dsm_every == 0) training.sample(step);
  }

  // Langevin at the smallest noise level, continuing one set of chains run after run.
  energy->set_noise_level(sigmas.back());
  samplers::LangevinDynamics langevin(energy, {.step_size = 1e-4});
  Tensor x = randn({256, 2}, chains);
  ResidentTrace sampling{"langevin", {}, {}};
  const int64_t langevin_every = std::max<int64_t>(1, langevin_steps / samples);
  for (int64_t step = langevin_every; step <= langevin_steps; step += langevin_every) {
    x = langevin.sample(x, langevin_every, chains);
    sampling.sample(step);
  }

  const bool training_flat = training.report();
  const bool sampling_flat = sampling.report();
  return training_flat && sampling_flat ? 0 : 1;
}
