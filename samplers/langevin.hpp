// Langevin dynamics: unadjusted (ULA) and annealed over noise levels.
#pragma once

#include "samplers/sampler.hpp"

namespace ebm::samplers {

struct LangevinOptions {
  double step_size = 1e-2;
  double noise_scale = 1.0;
  ChainOptions chain = {};
};

/// x ← x − η∇E(x) + √(2η)·τ·ξ, ξ ~ N(0, I), τ = noise_scale. With τ = 1 the chain targets
/// p ∝ exp(−E) up to an O(η) bias (no Metropolis correction: see MALA); with τ ≠ 1 it targets
/// exp(−E/τ²).
class LangevinDynamics : public Sampler {
 public:
  LangevinDynamics(std::shared_ptr<energies::EnergyFunction> energy, LangevinOptions options = {});
  Tensor sample(const Tensor& x0, int64_t n_steps, Generator& generator = default_generator()) override;
  const LangevinOptions& options() const { return options_; }

 private:
  LangevinOptions options_;
};

struct AnnealedLangevinOptions {
  std::vector<double> sigmas = {1.0, 0.5, 0.25, 0.1};
  double step_size = 2e-5;
  int64_t steps_per_level = 100;
  ChainOptions chain = {};  // its schedule must stay Constant: the levels set the step sizes
  /// After the last level, one denoising step x ← x − σ_L²∇E(x; σ_L): by Tweedie's formula,
  /// E[x₀ | x̃] = x̃ + σ²∇log p_σ(x̃) is the mean of the clean point given the noisy one, so the
  /// samples no longer carry the last level's noise (docs/samplers.md).
  bool denoise = false;
};

/// Annealed Langevin (Song & Ermon 2019, Algorithm 1): for each noise level σ₁ > … > σ_L in turn,
/// steps x ← x − (αᵢ/2)∇E + √αᵢ·ξ, ξ ~ N(0, I), with αᵢ = ε·σᵢ²/σ_L², the paper's convention (its
/// ε = 2·10⁻⁵ is the default), then optionally a denoising step. An energy that is
/// energies::NoiseConditional is switched to σᵢ before level i; any other energy is used as it is
/// at every level.
class AnnealedLangevin : public Sampler {
 public:
  AnnealedLangevin(std::shared_ptr<energies::EnergyFunction> energy, AnnealedLangevinOptions options = {});
  /// n_steps steps in all, shared equally by the levels (the last level takes the remainder).
  Tensor sample(const Tensor& x0, int64_t n_steps, Generator& generator = default_generator()) override;
  /// The whole annealing schedule: steps_per_level steps at each level.
  Tensor sample(const Tensor& x0, Generator& generator = default_generator());
  /// αᵢ = ε·σᵢ²/σ_L² for level i.
  double level_step_size(std::size_t level) const;
  const AnnealedLangevinOptions& options() const { return options_; }

 private:
  AnnealedLangevinOptions options_;
};

/// The step ratio u = αᵢ/(2σᵢ²) = ε/(2σ_L²) of annealed Langevin by Song & Ermon 2020, technique 4
/// (so ε = 2u·σ_L²): with T steps per level and levels γ = σ_{i−1}/σ_i apart, the u in (0, 1) that
/// brings a chain started at variance σ_{i−1}² on the level's Gaussian N(0, σ_i²) closest to
/// variance σ_i² after T steps:
///   s_T²/σ_i² = (1 − u)^{2T}·(γ² − 2/(2 − u)) + 2/(2 − u)   (derivation: docs/samplers.md).
/// Throws std::invalid_argument unless γ > 1 and T ≥ 1.
double annealed_step_ratio(double gamma, int64_t steps_per_level);

}  // namespace ebm::samplers
