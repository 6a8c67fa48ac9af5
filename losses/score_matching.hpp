// Score matching (Hyvärinen 2005).
#pragma once

#include "losses/loss.hpp"
#include "losses/projections.hpp"

namespace ebm::losses {

enum class TraceMethod { Exact, Hutchinson };

/// Exact: how ΔE is computed; every route gives the same value up to rounding. Fastest: the
/// energy's own way (MLPEnergy carries ΔE forward through the network, with no backward pass).
/// Backward: the textbook way, one backward pass over the graph of ∇E per dimension (1 + D passes
/// in all). Forward: the forward Laplacian, for energies that have one (MLPEnergy and its
/// noise-conditional kind); other energies are refused.
enum class LaplacianRoute { Fastest, Backward, Forward };

struct SMOptions {
  TraceMethod method = TraceMethod::Exact;
  /// Hutchinson: the number M of probe vectors per point.
  int64_t n_probes = 1;
  /// Hutchinson: the probe distribution (Rademacher has the smallest variance).
  Projection probe = Projection::Rademacher;
  Generator* generator = nullptr;  // nullptr: default_generator()
  /// Exact: the route to ΔE. Last, so that SMOptions{method, n_probes} keeps its meaning.
  LaplacianRoute route = LaplacianRoute::Fastest;
};

/// J = mean[½‖∇E(x)‖² − ΔE(x)], which equals ½E‖s_θ − ∇log p_data‖² up to a constant, with the
/// model score s_θ = −∇E. Exact: ΔE by options.route (D backward passes over one first-order
/// graph, or carried forward).
/// Hutchinson: ΔE ≈ (1/M)Σₘ vₘᵀ∇ₓ(vₘᵀ∇E). Metrics: loss, score_norm (mean ½‖∇E‖²),
/// hessian_trace (mean ΔE or its estimate).
class ScoreMatchingLoss : public Loss {
 public:
  ScoreMatchingLoss(std::shared_ptr<energies::EnergyFunction> energy, SMOptions options = {});
  /// neg is not used.
  LossOutput operator()(const Tensor& pos, const Tensor& neg = Tensor()) override;

 private:
  SMOptions options_;
};

}  // namespace ebm::losses
