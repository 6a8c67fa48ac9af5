#include "losses/score_matching.hpp"

#include <tuple>

#include "engine/autograd/grad.hpp"
#include "engine/ops.hpp"

namespace ebm::losses {

ScoreMatchingLoss::ScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, SMOptions options)
    : Loss(std::move(energy)), options_(options) {
  if (options.n_probes < 1) throw std::invalid_argument("ScoreMatchingLoss: n_probes must be ≥ 1");
}

LossOutput ScoreMatchingLoss::operator()(const Tensor& pos, const Tensor&) {
  const char* name = "ScoreMatchingLoss";
  check_batch(name, "pos", pos);
  Tensor gradient;       // ∇E, recorded: differentiable in θ
  Tensor hessian_trace;  // ΔE per point
  if (options_.method == TraceMethod::Exact) {
    std::tie(gradient, hessian_trace) = energy_->gradient_and_laplacian(pos.detach());
  } else {
    const Tensor x = pos.detach().requires_grad_();
    gradient = energy_->gradient(x);
    Generator& generator = generator_or_default(options_.generator);
    hessian_trace = zeros({x.size(0)}, x.dtype(), x.device());
    for (int64_t m = 0; m < options_.n_probes; ++m) {
      const Tensor v = draw_projections(x, options_.probe, generator);
      // vᵀ∇ₓ(vᵀ∇E) = vᵀHv, from one backward pass of the first-order graph.
      const Tensor hessian_v = grad(sum(gradient * v), {x}, {.create_graph = true, .allow_unused = true, .retain_graph = true})[0];
      if (hessian_v.defined()) hessian_trace = hessian_trace + sum(hessian_v * v, 1);
    }
    hessian_trace = hessian_trace / static_cast<double>(options_.n_probes);
  }
  const Tensor score_norm = 0.5 * sum(square(gradient), 1);
  const Tensor loss = mean(score_norm - hessian_trace);
  return finish(name, loss, {{"score_norm", mean(score_norm).item()}, {"hessian_trace", mean(hessian_trace).item()}});
}

}  // namespace ebm::losses
