// Sliced score matching (Song, Garg, Shi & Ermon 2019).
#pragma once

#include "losses/loss.hpp"
#include "losses/projections.hpp"

namespace ebm::losses {

struct SSMOptions {
  int64_t n_projections = 1;
  Projection projection = Projection::Gaussian;
  /// Replace ½(vᵀ∇E)² by its expectation over v, ½‖∇E‖² (lower variance).
  bool variance_reduced = false;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

/// J = mean over points and projections v (E[vvᵀ] = I) of
///   −vᵀ∇ₓ(vᵀ∇E) + ½(vᵀ∇E)²        (variance_reduced: −vᵀ∇ₓ(vᵀ∇E) + ½‖∇E‖²),
/// whose expectation over v is score matching's ½‖∇E‖² − ΔE. Metrics: loss, score_norm (the mean
/// second term), hessian_projection (mean vᵀHv).
class SlicedScoreMatchingLoss : public Loss {
 public:
  SlicedScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, SSMOptions options = {});
  /// neg is not used.
  LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override;

 private:
  SSMOptions options_;
};

}  // namespace ebm::losses
