#include "losses/sliced_score_matching.hpp"

#include <tuple>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

SlicedScoreMatchingLoss::SlicedScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, SSMOptions options)
    : Loss(std::move(energy)), options_(options) {
  if (options.n_projections < 1) throw std::invalid_argument("SlicedScoreMatchingLoss: n_projections must be ≥ 1");
}

LossOutput SlicedScoreMatchingLoss::operator()(const Tensor& pos, const Tensor&) {
  const char* name = "SlicedScoreMatchingLoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  Generator& generator = generator_or_default(options_.generator);
  const Tensor directions = draw_projections(pos, options_.n_projections, options_.projection, generator);
  Tensor score_norm;          // ½ meanₘ (vₘᵀ∇E)², or ½‖∇E‖² when variance-reduced
  Tensor hessian_projection;  // meanₘ vₘᵀ(∇²E)vₘ
  if (options_.variance_reduced) {
    Tensor gradient;
    std::tie(gradient, hessian_projection) = gradient_and_hutchinson_trace(*energy_, pos, directions);
    const TermScope half_norm("½‖∇E‖²");
    score_norm = 0.5 * sum(square(gradient), 1);
  } else {
    // Only vᵀ∇E is needed, not ∇E: an energy may carry the directions forward (MLPEnergy).
    const auto [projected_gradient, hessian_sum] = energy_->directional_derivatives(pos.detach(), directions);
    const TermScope half_square("½(vᵀ∇E)²");
    score_norm = 0.5 * mean(square(projected_gradient), 0);
    hessian_projection = hessian_sum / static_cast<double>(options_.n_projections);
  }
  Tensor loss;
  {
    const TermScope objective("J = mean(½(vᵀ∇E)² − vᵀ(∇²E)v)");
    loss = mean(score_norm - hessian_projection);
  }
  return finish(name, loss,
                {{"score_norm", mean(score_norm.detach()).item()}, {"hessian_projection", mean(hessian_projection.detach()).item()}});
}

}  // namespace ebm::losses
