// Maximum likelihood with given negative samples.
#pragma once

#include "losses/loss.hpp"

namespace ebm::losses {

enum class Regularization { None, L1, L2 };

struct MLEOptions {
  double alpha = 1.0;
  Regularization regularization = Regularization::None;
  double reg_strength = 0.0;
};

/// L = mean E(x⁺) − α·mean E(x⁻) + reg_strength·R(θ), R = Σ|θ| (L1) or Σθ² (L2).
/// With x⁻ ~ p_θ its gradient is the log-likelihood gradient E⁺[∇θE] − E_pθ[∇θE] (α = 1).
/// Metrics: pos_energy, neg_energy, energy_gap (neg − pos), reg_loss, loss.
class MLELoss : public Loss {
 public:
  MLELoss(std::shared_ptr<energies::EnergyFunction> energy, MLEOptions options = {});
  LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override;
  const MLEOptions& options() const { return options_; }

 private:
  MLEOptions options_;
};

/// Σ|θ| or Σθ² over the tensors, a zero-dimensional tensor of their dtype (0 for None or none).
Tensor parameter_penalty(const std::vector<Tensor>& parameters, Regularization regularization);

}  // namespace ebm::losses
