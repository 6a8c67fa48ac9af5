// Prints, as a Markdown table, the mean acceptance rate of MALA and HMC on the ρ = 0.8 Gaussian
// for several step sizes, and the error of each sampler's covariance estimate: the measurements
// behind the step-size advice in docs/samplers.md.
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include <ebm.hpp>

using namespace ebm;
using namespace ebm::samplers;

namespace {

/// Largest |Ĉ_ab − Σ_ab| of the sample covariance against Σ = [[1, .8], [.8, 1]].
double covariance_error(const Tensor& x) {
  const std::vector<double> v = x.to_vector();
  const auto n = static_cast<double>(x.size(0));
  double mean[2] = {0, 0};
  for (std::size_t i = 0; i < v.size(); i += 2) {
    mean[0] += v[i] / n;
    mean[1] += v[i + 1] / n;
  }
  double c[3] = {0, 0, 0};
  for (std::size_t i = 0; i < v.size(); i += 2) {
    c[0] += (v[i] - mean[0]) * (v[i] - mean[0]) / n;
    c[1] += (v[i] - mean[0]) * (v[i + 1] - mean[1]) / n;
    c[2] += (v[i + 1] - mean[1]) * (v[i + 1] - mean[1]) / n;
  }
  return std::max({std::abs(c[0] - 1), std::abs(c[1] - 0.8), std::abs(c[2] - 1)});
}

double mean_acceptance(const Sampler& sampler) {
  double total = 0;
  for (double rate : sampler.diagnostics().acceptance_rate) total += rate;
  return total / static_cast<double>(sampler.diagnostics().acceptance_rate.size());
}

}  // namespace

int main() {
  const auto target = std::make_shared<energies::Gaussian>(tensor({0.0, 0.0}, {2}, DType::Float64),
                                                           tensor({1.0, 0.8, 0.8, 1.0}, {2, 2}, DType::Float64));
  const int64_t chains = 4000;
  std::printf("| sampler | step size | steps | acceptance | max covariance error |\n|---|---|---|---|---|\n");
  for (double step : {0.05, 0.1, 0.2, 0.4, 0.8}) {
    Generator generator(1);
    LangevinDynamics ula(target, {.step_size = step});
    try {
      const Tensor x = ula.sample(randn({chains, 2}, generator, DType::Float64), 400, generator);
      std::printf("| ULA | %.2f | 400 | (none) | %.3f |\n", step, covariance_error(x));
    } catch (const std::runtime_error&) {  // η·λ_max(Σ⁻¹) > 2: the discretisation is unstable
      std::printf("| ULA | %.2f | 400 | (none) | diverged after %zu steps |\n", step, ula.diagnostics().mean_energy.size());
    }
  }
  for (double step : {0.05, 0.1, 0.2, 0.4, 0.8}) {
    Generator generator(1);
    MALA mala(target, {.step_size = step});
    const Tensor x = mala.sample(randn({chains, 2}, generator, DType::Float64), 400, generator);
    std::printf("| MALA | %.2f | 400 | %.3f | %.3f |\n", step, mean_acceptance(mala), covariance_error(x));
  }
  for (double step : {0.05, 0.1, 0.2, 0.3}) {
    Generator generator(1);
    HamiltonianMonteCarlo hmc(target, {.step_size = step, .n_leapfrog = 8});
    const Tensor x = hmc.sample(randn({chains, 2}, generator, DType::Float64), 150, generator);
    std::printf("| HMC (L = 8) | %.2f | 150 | %.3f | %.3f |\n", step, mean_acceptance(hmc), covariance_error(x));
  }
  std::printf("\n%lld chains from N(0, I); the standard error of a covariance entry is about %.3f.\n",
              static_cast<long long>(chains), std::sqrt(2.0 / static_cast<double>(chains)));
}
