// The energy-function interface: E maps a batch x [N, D] to energies [N], with p(x) ∝ exp(−E(x)).
// Subclass it with engine ops and every sampler and loss works with the result.
#pragma once

#include <utility>
#include <vector>

#include "engine/tensor.hpp"

namespace ebm::energies {

class EnergyFunction {
 public:
  virtual ~EnergyFunction() = default;

  /// E(x) for x of shape [N, D]; returns shape [N]. Implemented by subclasses with engine ops.
  virtual Tensor energy(const Tensor& x) const = 0;
  /// energy(x), with x checked to be [N, D] and the result to be [N].
  Tensor operator()(const Tensor& x) const;
  /// Learnable tensors; none by default.
  virtual std::vector<Tensor> parameters() const;
  /// Moves the energy's parameters and constant tensors to `device` and returns it; construct
  /// optimizers and losses after the move. The default suits energies that hold no tensors, and
  /// refuses (std::logic_error) when parameters() live elsewhere: such an energy overrides it.
  virtual EnergyFunction& to(Device device);

  /// ∇ₓE, shape [N, D]. Differentiable (recorded with create_graph) when grad mode is on and x or
  /// a parameter requires grad, as losses need; a plain detached tensor otherwise, as samplers need.
  Tensor gradient(const Tensor& x) const;
  /// E(x) and ∇ₓE from one forward and one backward pass, recorded as gradient() is. An energy
  /// that can compute them faster when nothing is recorded overrides it (MLPEnergy, for samplers).
  virtual std::pair<Tensor, Tensor> energy_and_gradient(const Tensor& x) const;
  /// The score s = −∇ₓE.
  Tensor score(const Tensor& x) const;
  /// ΔE = Σ_d ∂²E/∂x_d² per row, shape [N]; gradient_and_laplacian(x).second.
  Tensor laplacian(const Tensor& x) const;
  /// ∇ₓE [N, D] and ΔE [N] together, both differentiable under the same condition as gradient().
  /// By default D backward passes over one first-order graph; an energy that can do better
  /// overrides it (MLPEnergy propagates them forward).
  virtual std::pair<Tensor, Tensor> gradient_and_laplacian(const Tensor& x) const;
  /// Along M directions per point, v [M, N, D]: the directional derivatives vₘᵀ∇E, shape [M, N],
  /// and the sum of the second directional derivatives Σₘ vₘᵀ(∇²E)vₘ, shape [N]; both recorded as
  /// gradient() is. By default one backward pass for ∇E and one per direction over its graph; an
  /// energy that can do better overrides it (MLPEnergy propagates them forward).
  virtual std::pair<Tensor, Tensor> directional_derivatives(const Tensor& x, const Tensor& directions) const;
};

/// True when derivatives of `energy` taken at x now must stay differentiable: grad mode is on and
/// x or a parameter requires grad. Otherwise they may be computed without recording.
bool derivatives_recorded(const EnergyFunction& energy, const Tensor& x);

/// For g [N, D] computed from x [N, D] with create_graph and directions v [M, N, D]: vₘᵀg [M, N]
/// and Σₘ vₘᵀ(∂g/∂x)vₘ [N] (with g = ∇E, the directional derivatives of E and the sum of its second
/// ones). One backward pass per direction over g's graph, which is kept; the results are
/// differentiable when create_graph is true.
std::pair<Tensor, Tensor> directional_derivatives_from_gradient(const Tensor& g, const Tensor& x,
                                                                const Tensor& directions, bool create_graph);

/// Throws std::invalid_argument unless directions is [M, N, D] (M ≥ 1) for points x [N, D], of
/// x's dtype and device; `caller` names the function in the message.
void check_directions(const char* caller, const Tensor& x, const Tensor& directions);

/// Σ_d ∂g_d/∂x_d per row, for g [N, D] computed from x [N, D] with create_graph: the trace of the
/// Jacobian of g (the Laplacian when g = ∇ₓE). D backward passes over g's graph, which is kept;
/// the result is differentiable when create_graph is true.
Tensor jacobian_trace(const Tensor& g, const Tensor& x, bool create_graph);

}  // namespace ebm::energies
