#include "samplers/hmc.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::samplers {

HamiltonianMonteCarlo::HamiltonianMonteCarlo(std::shared_ptr<energies::EnergyFunction> energy, HMCOptions options)
    : Sampler(std::move(energy)), options_(std::move(options)) {
  check_step_size("HamiltonianMonteCarlo", options_.step_size);
  if (options_.n_leapfrog < 1) {
    throw std::invalid_argument("HamiltonianMonteCarlo: n_leapfrog must be ≥ 1, got " + std::to_string(options_.n_leapfrog));
  }
  if (options_.mass.empty()) throw std::invalid_argument("HamiltonianMonteCarlo: mass must hold 1 or D values");
  for (double m : options_.mass) {
    if (!(std::isfinite(m) && m > 0)) {
      throw std::invalid_argument("HamiltonianMonteCarlo: every mass must be finite and > 0, got " + std::to_string(m));
    }
  }
}

Tensor HamiltonianMonteCarlo::sample(const Tensor& x0, int64_t n_steps, Generator& generator) {
  const char* name = "HamiltonianMonteCarlo";
  Tensor x = begin_run(name, x0, n_steps, options_.chain);
  const int64_t d = x.size(1);
  const auto masses = static_cast<int64_t>(options_.mass.size());
  if (masses != 1 && masses != d) {
    throw std::invalid_argument(std::string(name) + ": mass has " + std::to_string(masses) +
                                " values; it needs 1 (scalar) or D = " + std::to_string(d) + " (diagonal)");
  }
  NoGradGuard no_grad;
  const Tensor mass = tensor(options_.mass, {masses}, x.dtype(), x.device());
  const Tensor momentum_scale = sqrt(mass);
  const auto kinetic = [&](const Tensor& p) { return 0.5 * sum(square(p) / mass, 1); };

  ChainState state{x, {}, {}};
  std::tie(state.energy, state.gradient) = energy_and_gradient(state.x);
  for (int64_t t = 0; t < n_steps; ++t) {
    const double epsilon = scheduled_step_size(options_.chain, options_.step_size, t, n_steps);
    const Tensor p0 = randn_like(state.x, generator) * momentum_scale;
    ChainState end{state.x, {}, {}};
    Tensor p = p0 - (epsilon / 2) * state.gradient;
    for (int64_t l = 1; l <= options_.n_leapfrog; ++l) {
      end.x = end.x + epsilon * (p / mass);
      std::tie(end.energy, end.gradient) = energy_and_gradient(end.x);
      p = p - (l < options_.n_leapfrog ? epsilon : epsilon / 2) * end.gradient;
    }
    const Tensor log_ratio = (state.energy + kinetic(p0)) - (end.energy + kinetic(p));
    state = accept_or_reject(name, t, n_steps, log_ratio, end, state, epsilon, options_.chain, generator);
  }
  finish_acceptance(n_steps);
  return state.x;
}

}  // namespace ebm::samplers
