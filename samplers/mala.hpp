// The Metropolis-adjusted Langevin algorithm.
#pragma once

#include "samplers/sampler.hpp"

namespace ebm::samplers {

struct MALAOptions {
  double step_size = 1e-2;
  ChainOptions chain = {};
};

/// Proposes y = x − η∇E(x) + √(2η)ξ and accepts it with probability
///   α = min(1, exp(E(x) − E(y) + log q(x|y) − log q(y|x))),  log q(y|x) = −‖y − x + η∇E(x)‖²/(4η),
/// so the chain leaves p ∝ exp(−E) exactly invariant for any step size.
class MALA : public Sampler {
 public:
  MALA(std::shared_ptr<energies::EnergyFunction> energy, MALAOptions options = {});
  Tensor sample(const Tensor& x0, int64_t n_steps, Generator& generator = default_generator()) override;
  /// log α(x → y) per chain before the min with 0: log of π(y)q(x|y) / π(x)q(y|x).
  Tensor log_acceptance_ratio(const Tensor& x, const Tensor& y, double step_size);
  const MALAOptions& options() const { return options_; }

 private:
  MALAOptions options_;
};

}  // namespace ebm::samplers
