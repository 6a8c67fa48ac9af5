// Importance resampling: starting points for chains that already carry the model's mode weights.
#pragma once

#include "energies/energy_function.hpp"

namespace ebm::samplers {

/// n rows drawn with replacement from proposals [M, D] (uniform draws over a region), row i with
/// probability wᵢ/Σw, wᵢ = exp(−E(proposalᵢ)): self-normalised importance resampling of
/// p ∝ exp(−E) restricted to the region (Rubin 1987). Every basin gets chains in proportion to
/// its mass under the model, which a gradient-based chain started uniformly cannot reach when
/// the basins are separated by barriers; the chains then correct the draws' coarseness. Uses
/// systematic resampling (one uniform draw). Throws std::invalid_argument unless proposals is
/// [M, D] with M ≥ 1 and n ≥ 1, and std::runtime_error when no proposal has a finite energy.
Tensor importance_resample(const energies::EnergyFunction& energy, const Tensor& proposals, int64_t n,
                           Generator& generator = default_generator());

}  // namespace ebm::samplers
