#include "samplers/sampler.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "engine/autograd/anomaly.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::samplers {
namespace {

/// 1 where log u < log_ratio for u ~ U(0, 1) (accept with probability min(1, e^log_ratio)), else 0,
/// per chain. A non-finite log_ratio (a proposal of infinite or NaN energy) is rejected.
Tensor metropolis_accept(const Tensor& log_ratio, Generator& generator) {
  const Tensor finite_ratio = where(greater(log_ratio, -INFINITY) * less(log_ratio, INFINITY), log_ratio,
                                    full({}, -INFINITY, log_ratio.dtype(), log_ratio.device()));
  return less(log(rand_like(log_ratio, generator)), finite_ratio);
}

}  // namespace

double scheduled_step_size(const ChainOptions& chain, double step_size, int64_t t, int64_t n_steps) {
  const double progress = n_steps > 1 ? static_cast<double>(t) / static_cast<double>(n_steps - 1) : 0.0;
  const double r = chain.final_step_ratio;
  switch (chain.schedule) {
    case Schedule::Constant: return step_size;
    case Schedule::Exponential: return step_size * std::pow(r, progress);
    case Schedule::Linear: return step_size * (1 + (r - 1) * progress);
    case Schedule::Cosine: return step_size * (r + (1 - r) * 0.5 * (1 + std::cos(std::numbers::pi * progress)));
  }
  return step_size;
}

void check_step_size(const char* sampler, double step_size) {
  if (!(std::isfinite(step_size) && step_size > 0)) {
    throw std::invalid_argument(std::string(sampler) + ": step_size must be finite and > 0, got " + std::to_string(step_size));
  }
}

Sampler::Sampler(std::shared_ptr<energies::EnergyFunction> energy) : energy_(std::move(energy)) {
  if (!energy_) throw std::invalid_argument("sampler: the energy function is null");
}

Tensor Sampler::begin_run(const char* sampler, const Tensor& x0, int64_t n_steps, const ChainOptions& chain) {
  const std::string name(sampler);
  if (!x0.defined() || x0.dim() != 2 || x0.size(0) == 0 || x0.size(1) == 0) {
    throw std::invalid_argument(name + ": x0 must be a batch of chains of shape [N, D] with N, D ≥ 1, got " +
                                (x0.defined() ? shape_string(x0.shape()) : std::string("an undefined tensor")));
  }
  if (n_steps < 0) throw std::invalid_argument(name + ": n_steps must be ≥ 0, got " + std::to_string(n_steps));
  if (chain.thinning < 1) throw std::invalid_argument(name + ": thinning must be ≥ 1, got " + std::to_string(chain.thinning));
  if (chain.schedule != Schedule::Constant && !(std::isfinite(chain.final_step_ratio) && chain.final_step_ratio > 0)) {
    throw std::invalid_argument(name + ": final_step_ratio must be finite and > 0, got " +
                                std::to_string(chain.final_step_ratio));
  }
  if (const auto bad = describe_non_finite(x0)) throw std::invalid_argument(name + ": x0 has non-finite entries: " + *bad);
  diagnostics_ = SamplerDiagnostics{};
  const Tensor start = x0.detach();
  if (chain.keep_trajectory) diagnostics_.trajectory.push_back(start);
  return start;
}

std::pair<Tensor, Tensor> Sampler::energy_and_gradient(const Tensor& x) {
  NoGradGuard no_grad;
  ++diagnostics_.gradient_evaluations;
  return energy_->energy_and_gradient(x);
}

void Sampler::end_step(const char* sampler, int64_t step, int64_t n_steps, const Tensor& x, const Tensor& energy,
                       double step_size, const ChainOptions& chain) {
  const double mean_energy = mean(energy).item();
  if (!std::isfinite(mean_energy) || !std::isfinite(sum(x).item())) {
    const auto bad_state = describe_non_finite(x);
    const std::string which = bad_state ? "the states [N, D] hold " + *bad_state
                                        : "the energies [N] hold " + describe_non_finite(energy).value_or("values that overflow their mean");
    throw std::runtime_error(std::string(sampler) + ": the chains became non-finite at step " + std::to_string(step + 1) +
                             " of " + std::to_string(n_steps) + " (step size " + std::to_string(step_size) + "; " + which +
                             "); reduce the step size, or check that the energy is finite and grows away from its modes");
  }
  diagnostics_.mean_energy.push_back(mean_energy);
  diagnostics_.step_sizes.push_back(step_size);
  if (chain.keep_trajectory && (step + 1) % chain.thinning == 0) diagnostics_.trajectory.push_back(x);
}

Sampler::ChainState Sampler::accept_or_reject(const char* sampler, int64_t step, int64_t n_steps, const Tensor& log_ratio,
                                              const ChainState& proposal, const ChainState& current, double step_size,
                                              const ChainOptions& chain, Generator& generator) {
  const Tensor accepted = metropolis_accept(log_ratio, generator);
  const Tensor rows = unsqueeze(accepted, 1);
  ChainState next{where(rows, proposal.x, current.x), where(accepted, proposal.energy, current.energy),
                  where(rows, proposal.gradient, current.gradient)};
  const std::vector<double> values = accepted.to_vector();
  diagnostics_.acceptance_rate.resize(values.size(), 0.0);
  for (std::size_t i = 0; i < values.size(); ++i) diagnostics_.acceptance_rate[i] += values[i];
  end_step(sampler, step, n_steps, next.x, next.energy, step_size, chain);
  return next;
}

void Sampler::finish_acceptance(int64_t n_steps) {
  for (double& rate : diagnostics_.acceptance_rate) rate /= static_cast<double>(std::max<int64_t>(n_steps, 1));
}

}  // namespace ebm::samplers
