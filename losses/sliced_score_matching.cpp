#include "losses/sliced_score_matching.hpp"

#include "engine/autograd/grad.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

SlicedScoreMatchingLoss::SlicedScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, SSMOptions options)
    : Loss(std::move(energy)), options_(options) {
  if (options.n_projections < 1) throw std::invalid_argument("SlicedScoreMatchingLoss: n_projections must be ≥ 1");
}

LossOutput SlicedScoreMatchingLoss::operator()(const Tensor& pos, const Tensor&) {
  const char* name = "SlicedScoreMatchingLoss";
  check_batch(name, "pos", pos);
  Generator& generator = generator_or_default(options_.generator);
  const Tensor x = pos.detach().requires_grad_();
  const Tensor gradient = energy_->gradient(x);  // ∇E, recorded once for all projections
  Tensor hessian_projection = zeros({x.size(0)}, x.dtype(), x.device());  // Σₘ vₘᵀHvₘ
  Tensor score_norm = zeros({x.size(0)}, x.dtype(), x.device());          // Σₘ ½(vₘᵀ∇E)²
  for (int64_t m = 0; m < options_.n_projections; ++m) {
    const Tensor v = draw_projections(x, options_.projection, generator);
    const Tensor projected_gradient = sum(gradient * v, 1);  // vᵀ∇E
    const Tensor hessian_v = grad(sum(projected_gradient), {x}, {.create_graph = true, .allow_unused = true, .retain_graph = true})[0];
    if (hessian_v.defined()) hessian_projection = hessian_projection + sum(hessian_v * v, 1);
    if (!options_.variance_reduced) score_norm = score_norm + 0.5 * square(projected_gradient);
  }
  const auto m = static_cast<double>(options_.n_projections);
  score_norm = options_.variance_reduced ? 0.5 * sum(square(gradient), 1) : score_norm / m;
  hessian_projection = hessian_projection / m;
  const Tensor loss = mean(score_norm - hessian_projection);
  return finish(name, loss,
                {{"score_norm", mean(score_norm).item()}, {"hessian_projection", mean(hessian_projection).item()}});
}

}  // namespace ebm::losses
