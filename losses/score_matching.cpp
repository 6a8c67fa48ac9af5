#include "losses/score_matching.hpp"

#include <tuple>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

ScoreMatchingLoss::ScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, SMOptions options)
    : Loss(std::move(energy)), options_(options) {
  if (options.n_probes < 1) throw std::invalid_argument("ScoreMatchingLoss: n_probes must be ≥ 1");
}

LossOutput ScoreMatchingLoss::operator()(const Tensor& pos, const Tensor&) {
  const char* name = "ScoreMatchingLoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  Tensor gradient;       // ∇E, recorded: differentiable in θ
  Tensor hessian_trace;  // ΔE per point
  if (options_.method == TraceMethod::Exact) {
    std::tie(gradient, hessian_trace) = energy_->gradient_and_laplacian(pos.detach());
  } else {
    const Tensor probes = draw_projections(pos, options_.n_probes, options_.probe, generator_or_default(options_.generator));
    std::tie(gradient, hessian_trace) = gradient_and_hutchinson_trace(*energy_, pos, probes);
  }
  const Tensor score_norm = 0.5 * sum(square(gradient), 1);
  const Tensor loss = mean(score_norm - hessian_trace);
  return finish(name, loss, {{"score_norm", mean(score_norm).item()}, {"hessian_trace", mean(hessian_trace).item()}});
}

}  // namespace ebm::losses
