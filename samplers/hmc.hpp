// Hamiltonian Monte Carlo.
#pragma once

#include "samplers/sampler.hpp"

namespace ebm::samplers {

struct HMCOptions {
  double step_size = 1e-2;
  int64_t n_leapfrog = 10;
  /// The mass matrix M: one value (scalar mass) or D values (diagonal).
  std::vector<double> mass = {1.0};
  ChainOptions chain = {};
};

/// Each step draws momentum p ~ N(0, M), runs n_leapfrog leapfrog steps of size ε on
/// H(x, p) = E(x) + ½pᵀM⁻¹p, and accepts the end point with probability min(1, exp(H₀ − H₁)).
/// A trajectory of L leapfrog steps needs L + 1 gradients: ∇E at its start and after each
/// position update. The start gradient is carried over from the previous step, so T steps cost
/// T·L + 1 gradient evaluations in all.
class HamiltonianMonteCarlo : public Sampler {
 public:
  HamiltonianMonteCarlo(std::shared_ptr<energies::EnergyFunction> energy, HMCOptions options = {});
  Tensor sample(const Tensor& x0, int64_t n_steps, Generator& generator = default_generator()) override;
  const HMCOptions& options() const { return options_; }

 private:
  HMCOptions options_;
};

}  // namespace ebm::samplers
