// Denoising score matching (Vincent 2011), at one or several noise levels.
#pragma once

#include "losses/loss.hpp"

namespace ebm::losses {

struct DSMOptions {
  std::vector<double> sigmas = {0.1};
  /// Weight level σ by λ(σ) = σ², so every level contributes alike; else weight them equally.
  bool weight_by_sigma_squared = true;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

/// For each level σ: x̃ = x + σε, ε ~ N(0, I), and
///   J_σ = ½·mean‖∇E(x̃) − ε/σ‖²,
/// since the score of the noising kernel at x̃ is −ε/σ and the model score is −∇E. The loss is the
/// weighted mean Σλ(σ)J_σ / Σλ(σ) (one level: J_σ itself). At the optimum E is the energy of the
/// data convolved with N(0, σ²I). An energy that is energies::NoiseConditional is set to each
/// level before its term (E(x; σ), as noise-conditional score networks); a plain energy learns one
/// compromise over the levels. Metrics: loss and loss_sigma_<σ> (J_σ, unweighted) per level.
class DenoisingScoreMatchingLoss : public Loss {
 public:
  DenoisingScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, DSMOptions options = {});
  /// neg is not used.
  LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override;

 private:
  DSMOptions options_;
};

/// "loss_sigma_0.1": the metric name of level σ.
std::string sigma_metric_name(double sigma);

}  // namespace ebm::losses
