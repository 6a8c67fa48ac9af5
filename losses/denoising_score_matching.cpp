#include "losses/denoising_score_matching.hpp"

#include <cmath>
#include <sstream>

#include "engine/autograd/anomaly.hpp"
#include "energies/noise_conditional.hpp"
#include "engine/ops.hpp"
#include "losses/noise_levels.hpp"

namespace ebm::losses {

std::string sigma_metric_name(double sigma) {
  std::ostringstream name;
  name << "loss_sigma_" << sigma;
  return name.str();
}

DenoisingScoreMatchingLoss::DenoisingScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, DSMOptions options)
    : Loss(std::move(energy)), options_(std::move(options)) {
  check_sigmas("DenoisingScoreMatchingLoss", options_.sigmas);
}

LossOutput DenoisingScoreMatchingLoss::operator()(const Tensor& pos, const Tensor&) {
  const char* name = "DenoisingScoreMatchingLoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  Generator& generator = generator_or_default(options_.generator);
  const Tensor x = pos.detach();
  const int64_t n = x.size(0);
  // The residual ∇E(x̃) − ε/σ for every level: the model score −∇E against the kernel's score −ε/σ.
  // A noise-conditional energy is evaluated at each level in turn; any other energy sees all
  // levels in one batch, so ∇E is one double-backward graph however many levels there are.
  std::vector<Tensor> noisy;
  std::vector<Tensor> targets;  // ε/σ
  for (double sigma : options_.sigmas) {
    const Tensor epsilon = randn_like(x, generator);
    noisy.push_back(x + sigma * epsilon);
    targets.push_back(epsilon / sigma);
  }
  Tensor residual;
  {
    const TermScope residual_term("the residual ∇E(x̃) − ε/σ");
    if (auto* conditional = dynamic_cast<energies::NoiseConditional*>(energy_.get())) {
      std::vector<Tensor> residuals;
      for (std::size_t level = 0; level < options_.sigmas.size(); ++level) {
        conditional->set_noise_level(options_.sigmas[level]);
        residuals.push_back(energy_->gradient(noisy[level]) - targets[level]);
      }
      residual = cat(residuals, 0);
    } else {
      residual = energy_->gradient(cat(noisy, 0)) - cat(targets, 0);
    }
  }
  const TermScope objective("J = Σ_σ w_σ mean(½‖∇E(x̃) − ε/σ‖²) / Σ_σ w_σ");
  const Tensor per_point = 0.5 * sum(square(residual), 1);
  Tensor weighted_sum;
  double total_weight = 0;
  std::map<std::string, double> metrics;
  for (std::size_t level = 0; level < options_.sigmas.size(); ++level) {
    const double sigma = options_.sigmas[level];
    const auto first = static_cast<int64_t>(level) * n;
    const Tensor level_loss = mean(slice(per_point, 0, first, first + n));  // J_σ
    const double weight = options_.weight_by_sigma_squared ? sigma * sigma : 1.0;
    weighted_sum = weighted_sum.defined() ? weighted_sum + weight * level_loss : weight * level_loss;
    total_weight += weight;
    metrics[sigma_metric_name(sigma)] = level_loss.item();
  }
  return finish(name, weighted_sum / total_weight, std::move(metrics));
}

}  // namespace ebm::losses
