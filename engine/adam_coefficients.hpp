// The scalars of one Adam update, shared by the op (ops.hpp adam_update_) and the backends.
#pragma once

namespace ebm {

struct AdamCoefficients {
  double beta1;
  double beta2;
  double eps;
  double weight_decay;
  double step_size;            // lr / (1 − β₁ᵗ)
  double second_moment_scale;  // 1 / (1 − β₂ᵗ)
};

}  // namespace ebm
