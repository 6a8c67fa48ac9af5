#include "losses/score_matching.hpp"

#include <tuple>

#include "energies/mlp_energy.hpp"
#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

namespace {

bool carries_laplacian_forward(const energies::EnergyFunction& energy) {
  return dynamic_cast<const energies::MLPEnergy*>(&energy) != nullptr;
}

}  // namespace

ScoreMatchingLoss::ScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, SMOptions options)
    : Loss(std::move(energy)), options_(options) {
  if (options.n_probes < 1) throw std::invalid_argument("ScoreMatchingLoss: n_probes must be ≥ 1");
  if (options.method == TraceMethod::Exact && options.route == LaplacianRoute::Forward && !carries_laplacian_forward(*energy_)) {
    throw std::invalid_argument(
        "ScoreMatchingLoss: LaplacianRoute::Forward needs an energy that carries ΔE forward (MLPEnergy and "
        "NoiseConditionalMLPEnergy do); this energy computes ΔE by backward passes: use Fastest or Backward");
  }
}

LossOutput ScoreMatchingLoss::operator()(const Tensor& pos, const Tensor&) {
  const char* name = "ScoreMatchingLoss";
  const TermScope term(name);  // anomaly reports name the loss
  check_batch(name, "pos", pos);
  Tensor gradient;       // ∇E, recorded: differentiable in θ
  Tensor hessian_trace;  // ΔE per point
  if (options_.method == TraceMethod::Exact) {
    // Backward calls the base class's rule, D backward passes, even where the energy has a faster one.
    std::tie(gradient, hessian_trace) = options_.route == LaplacianRoute::Backward
                                            ? energy_->energies::EnergyFunction::gradient_and_laplacian(pos.detach())
                                            : energy_->gradient_and_laplacian(pos.detach());
  } else {
    const Tensor probes = draw_projections(pos, options_.n_probes, options_.probe, generator_or_default(options_.generator));
    std::tie(gradient, hessian_trace) = gradient_and_hutchinson_trace(*energy_, pos, probes);
  }
  Tensor score_norm, loss;
  {
    const TermScope half_norm("½‖∇E‖²");
    score_norm = 0.5 * sum(square(gradient), 1);
  }
  {
    const TermScope objective("J = mean(½‖∇E‖² − ΔE)");
    loss = mean(score_norm - hessian_trace);
  }
  // The metrics from detached terms: nothing more is recorded.
  return finish(name, loss, {{"score_norm", mean(score_norm.detach()).item()}, {"hessian_trace", mean(hessian_trace.detach()).item()}});
}

}  // namespace ebm::losses
