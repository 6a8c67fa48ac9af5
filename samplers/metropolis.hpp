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

/// Per chain: rows of `proposed` where accepted [N] is 1, rows of `current` elsewhere.
inline Tensor take_where(const Tensor& accepted, const Tensor& proposed, const Tensor& current) {
  return where(proposed.dim() == 2 ? unsqueeze(accepted, 1) : accepted, proposed, current);
}

}  // namespace ebm::samplers
