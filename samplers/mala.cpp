#include "samplers/mala.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::samplers {
namespace {

/// log q(to | from) = −‖to − from + η∇E(from)‖²/(4η), up to a constant that cancels.
Tensor log_proposal_density(const Tensor& to, const Tensor& from, const Tensor& gradient_at_from, double eta) {
  return -sum(square(to - from + eta * gradient_at_from), 1) / (4 * eta);
}

/// Mean over the chains of min(1, e^{log α}); a NaN ratio (a non-finite proposal) counts as 0.
double mean_acceptance_probability(const Tensor& log_ratio) {
  const std::vector<double> values = log_ratio.to_vector();
  double total = 0;
  for (double value : values) total += std::isnan(value) ? 0.0 : std::exp(std::min(value, 0.0));
  return total / static_cast<double>(values.size());
}

}  // namespace

MALA::MALA(std::shared_ptr<energies::EnergyFunction> energy, MALAOptions options)
    : Sampler(std::move(energy)), options_(options), log_adapted_step_(std::log(options.step_size)) {
  check_step_size("MALA", options.step_size);
  if (options.adapt_steps < 0) throw std::invalid_argument("MALA: adapt_steps must be ≥ 0, got " + std::to_string(options.adapt_steps));
  if (!(options.target_acceptance > 0 && options.target_acceptance < 1)) {
    throw std::invalid_argument("MALA: target_acceptance must be in (0, 1), got " + std::to_string(options.target_acceptance));
  }
  if (options.adapt_steps > 0 && options.chain.schedule != Schedule::Constant) {
    throw std::invalid_argument("MALA: adapting the step size needs chain.schedule Constant");
  }
}

Tensor MALA::log_acceptance_ratio(const Tensor& x, const Tensor& y, double step_size) {
  const auto [energy_x, gradient_x] = energy_and_gradient(x);
  const auto [energy_y, gradient_y] = energy_and_gradient(y);
  NoGradGuard no_grad;
  return (energy_x - energy_y) + log_proposal_density(x, y, gradient_y, step_size) -
         log_proposal_density(y, x, gradient_x, step_size);
}

Tensor MALA::sample(const Tensor& x0, int64_t n_steps, Generator& generator) {
  const char* name = "MALA";
  ChainState state{begin_run(name, x0, n_steps, options_.chain), {}, {}};
  NoGradGuard no_grad;
  std::tie(state.energy, state.gradient) = energy_and_gradient(state.x);
  for (int64_t t = 0; t < n_steps; ++t) {
    const double eta = options_.adapt_steps > 0 ? std::exp(log_adapted_step_) : scheduled_step_size(options_.chain, options_.step_size, t, n_steps);
    ChainState proposal{state.x - eta * state.gradient + std::sqrt(2 * eta) * randn_like(state.x, generator), {}, {}};
    std::tie(proposal.energy, proposal.gradient) = energy_and_gradient(proposal.x);
    const Tensor log_ratio = (state.energy - proposal.energy) + log_proposal_density(state.x, proposal.x, proposal.gradient, eta) -
                             log_proposal_density(proposal.x, state.x, state.gradient, eta);
    if (t < options_.adapt_steps) log_adapted_step_ += (mean_acceptance_probability(log_ratio) - options_.target_acceptance) / std::sqrt(t + 1.0);
    state = accept_or_reject(name, t, n_steps, log_ratio, proposal, state, eta, options_.chain, generator);
  }
  finish_acceptance(n_steps);
  return state.x;
}

}  // namespace ebm::samplers
