// The Metropolis–Hastings accept step shared by MALA and HMC (internal to samplers/).
#pragma once

#include <cmath>

#include "engine/ops.hpp"

namespace ebm::samplers {

/// 1 where log u < log_ratio for u ~ U(0, 1) (accept with probability min(1, e^log_ratio)), else 0,
/// per chain. A non-finite log_ratio (a proposal of infinite or NaN energy) is rejected.
inline Tensor metropolis_accept(const Tensor& log_ratio, Generator& generator) {
  const Tensor finite_ratio = where(greater(log_ratio, -INFINITY) * less(log_ratio, INFINITY), log_ratio,
                                    full({}, -INFINITY, log_ratio.dtype(), log_ratio.device()));
  return less(log(rand_like(log_ratio, generator)), finite_ratio);
}

/// What a Metropolis–Hastings chain carries from step to step: the states [N, D], their energies
/// [N] and gradients [N, D] (so an accepted proposal's gradient is never recomputed).
struct ChainState {
  Tensor x;
  Tensor energy;
  Tensor gradient;
};

/// Per chain: the proposal where accepted [N] is 1, the current state elsewhere.
inline ChainState keep_accepted(const Tensor& accepted, const ChainState& proposal, const ChainState& current) {
  const Tensor rows = unsqueeze(accepted, 1);
  return {where(rows, proposal.x, current.x), where(accepted, proposal.energy, current.energy),
          where(rows, proposal.gradient, current.gradient)};
}

}  // namespace ebm::samplers
