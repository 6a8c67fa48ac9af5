// The Metropolis-adjusted Langevin algorithm.
#pragma once

#include <cmath>

#include "samplers/sampler.hpp"

namespace ebm::samplers {

struct MALAOptions {
  double step_size = 1e-2;
  /// The first adapt_steps steps of each run tune η toward target_acceptance; later steps keep the
  /// tuned η, so the chain from then on is exact MALA, and the next run starts from it (chains run
  /// again and again on a changing energy, as contrastive divergence's negatives, keep their step
  /// tuned). 0: η stays step_size throughout.
  int64_t adapt_steps = 0;
  /// 0.574: the optimal mean acceptance of MALA in high dimension (Roberts & Rosenthal 1998).
  double target_acceptance = 0.574;
  ChainOptions chain = {};  // its schedule must stay Constant when adapt_steps > 0
};

/// Proposes y = x − η∇E(x) + √(2η)ξ and accepts it with probability
///   α = min(1, exp(E(x) − E(y) + log q(x|y) − log q(y|x))),  log q(y|x) = −‖y − x + η∇E(x)‖²/(4η),
/// so the chain leaves p ∝ exp(−E) exactly invariant for any step size. While adapting (step t <
/// adapt_steps), log η ← log η + (ā_t − target)/√(t + 1) after each step, with ā_t the mean over
/// the chains of min(1, e^{log α}): a Robbins–Monro search for the η whose mean acceptance is the
/// target (Andrieu & Thoms 2008). diagnostics().step_sizes shows the path.
class MALA : public Sampler {
 public:
  MALA(std::shared_ptr<energies::EnergyFunction> energy, MALAOptions options = {});
  Tensor sample(const Tensor& x0, int64_t n_steps, Generator& generator = default_generator()) override;
  /// log α(x → y) per chain before the min with 0: log of π(y)q(x|y) / π(x)q(y|x).
  Tensor log_acceptance_ratio(const Tensor& x, const Tensor& y, double step_size);
  const MALAOptions& options() const { return options_; }
  /// The step the next run starts from: step_size, or where the last adaptation left it.
  double adapted_step_size() const { return std::exp(log_adapted_step_); }

 private:
  MALAOptions options_;
  double log_adapted_step_;
};

}  // namespace ebm::samplers
