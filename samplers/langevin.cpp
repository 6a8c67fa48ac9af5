#include "samplers/langevin.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <tuple>

#include "energies/noise_conditional.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::samplers {

LangevinDynamics::LangevinDynamics(std::shared_ptr<energies::EnergyFunction> energy, LangevinOptions options)
    : Sampler(std::move(energy)), options_(options) {
  check_step_size("LangevinDynamics", options.step_size);
  if (!(std::isfinite(options.noise_scale) && options.noise_scale >= 0)) {
    throw std::invalid_argument("LangevinDynamics: noise_scale must be finite and ≥ 0, got " +
                                std::to_string(options.noise_scale));
  }
}

Tensor LangevinDynamics::sample(const Tensor& x0, int64_t n_steps, Generator& generator) {
  const char* name = "LangevinDynamics";
  Tensor x = begin_run(name, x0, n_steps, options_.chain);
  NoGradGuard no_grad;
  if (n_steps == 0) return x;
  auto [energy, gradient] = energy_and_gradient(x);
  for (int64_t t = 0; t < n_steps; ++t) {
    const double eta = scheduled_step_size(options_.chain, options_.step_size, t, n_steps);
    x = x - eta * gradient + (std::sqrt(2 * eta) * options_.noise_scale) * randn_like(x, generator);
    // The new state's energy (recorded and checked, as MALA and HMC do), and the gradient the next
    // step moves by; the last state needs no gradient.
    if (t + 1 < n_steps) {
      std::tie(energy, gradient) = energy_and_gradient(x);
    } else {
      energy = energy_->energy(x);
    }
    end_step(name, t, n_steps, x, energy, eta, options_.chain);
  }
  return x;
}

AnnealedLangevin::AnnealedLangevin(std::shared_ptr<energies::EnergyFunction> energy, AnnealedLangevinOptions options)
    : Sampler(std::move(energy)), options_(std::move(options)) {
  const char* name = "AnnealedLangevin";
  check_step_size(name, options_.step_size);
  if (options_.sigmas.empty()) throw std::invalid_argument("AnnealedLangevin: sigmas must not be empty");
  for (std::size_t i = 0; i < options_.sigmas.size(); ++i) {
    const double sigma = options_.sigmas[i];
    if (!(std::isfinite(sigma) && sigma > 0) || (i > 0 && !(sigma < options_.sigmas[i - 1]))) {
      throw std::invalid_argument(std::string(name) +
                                  ": sigmas must be finite, > 0 and strictly decreasing (σ₁ > … > σ_L); entry " +
                                  std::to_string(i) + " is " + std::to_string(sigma));
    }
  }
  if (options_.steps_per_level < 1) {
    throw std::invalid_argument("AnnealedLangevin: steps_per_level must be ≥ 1, got " +
                                std::to_string(options_.steps_per_level));
  }
  if (options_.chain.schedule != Schedule::Constant) {
    throw std::invalid_argument("AnnealedLangevin: the noise levels set the step sizes, so chain.schedule must be Constant");
  }
}

double annealed_step_ratio(double gamma, int64_t steps_per_level) {
  if (!(std::isfinite(gamma) && gamma > 1) || steps_per_level < 1) {
    throw std::invalid_argument("annealed_step_ratio: needs a level ratio γ > 1 and at least one step per level, got γ = " +
                                std::to_string(gamma) + ", T = " + std::to_string(steps_per_level));
  }
  const auto variance_ratio = [&](double u) {
    const double stationary = 2 / (2 - u);  // the chain's own stationary variance over σ_i²
    return std::pow(1 - u, 2.0 * static_cast<double>(steps_per_level)) * (gamma * gamma - stationary) + stationary;
  };
  // |s_T²/σ_i² − 1| on a logarithmic grid of u from 1e-8 to 1: smooth, one-dimensional, cheap.
  double best = 1, best_error = INFINITY;
  for (int k = 0; k < 4000; ++k) {
    const double u = std::pow(10.0, -8.0 + 8.0 * k / 4000.0);
    const double error = std::abs(variance_ratio(u) - 1);
    if (error < best_error) best = u, best_error = error;
  }
  return best;
}

double AnnealedLangevin::level_step_size(std::size_t level) const {
  const double last = options_.sigmas.back();
  const double sigma = options_.sigmas.at(level);
  return options_.step_size * sigma * sigma / (last * last);
}

Tensor AnnealedLangevin::sample(const Tensor& x0, Generator& generator) {
  return sample(x0, static_cast<int64_t>(options_.sigmas.size()) * options_.steps_per_level, generator);
}

Tensor AnnealedLangevin::sample(const Tensor& x0, int64_t n_steps, Generator& generator) {
  const char* name = "AnnealedLangevin";
  Tensor x = begin_run(name, x0, n_steps, options_.chain);
  auto* conditional = dynamic_cast<energies::NoiseConditional*>(energy_.get());
  const auto levels = static_cast<int64_t>(options_.sigmas.size());
  const int64_t per_level = n_steps / levels;
  NoGradGuard no_grad;
  int64_t t = 0;
  Tensor energy, gradient;
  for (int64_t level = 0; level < levels; ++level) {
    if (conditional != nullptr) conditional->set_noise_level(options_.sigmas[static_cast<std::size_t>(level)]);
    const int64_t end = level + 1 == levels ? n_steps : t + per_level;
    if (t == end) continue;
    // A noise-conditional energy changes with the level, so its gradient is taken afresh.
    if (!gradient.defined() || conditional != nullptr) std::tie(energy, gradient) = energy_and_gradient(x);
    const double alpha = level_step_size(static_cast<std::size_t>(level));
    for (; t < end; ++t) {
      x = x - (alpha / 2) * gradient + std::sqrt(alpha) * randn_like(x, generator);  // Song & Ermon 2019, Algorithm 1
      // The new state's energy at this level (recorded and checked), and its gradient unless the
      // next step takes one afresh.
      if (t + 1 < end || (t + 1 < n_steps && conditional == nullptr)) {
        std::tie(energy, gradient) = energy_and_gradient(x);
      } else {
        energy = energy_->energy(x);
      }
      end_step(name, t, n_steps, x, energy, alpha, options_.chain);
    }
  }
  if (options_.denoise) {
    // Tweedie: x + σ_L²·s(x; σ_L), the energy still at the last level.
    const double last = options_.sigmas.back();
    x = x - (last * last) * energy_and_gradient(x).second;
  }
  return x;
}

}  // namespace ebm::samplers
