#include "energies/energy_function.hpp"

#include <stdexcept>
#include <string>

#include "engine/autograd/anomaly.hpp"
#include "engine/autograd/grad.hpp"
#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::energies {

bool derivatives_recorded(const EnergyFunction& energy, const Tensor& x) {
  if (!grad_mode_enabled()) return false;
  if (x.requires_grad()) return true;
  for (const Tensor& parameter : energy.parameters()) {
    if (parameter.requires_grad()) return true;
  }
  return false;
}

namespace {

/// x itself when it already requires grad (so derivatives reach what produced it), else a leaf
/// that shares its storage.
Tensor differentiable_input(const Tensor& x) { return x.requires_grad() ? x : x.detach().requires_grad_(); }

/// ∇ₓE from E = e computed at `input`; undefined when E does not depend on x.
Tensor gradient_at(const Tensor& e, const Tensor& input, bool create_graph) {
  if (!e.requires_grad()) return Tensor();
  const TermScope term("∇ₓE by a backward pass");
  return grad(sum(e), {input}, {.create_graph = create_graph, .allow_unused = true})[0];
}

}  // namespace

std::vector<Tensor> EnergyFunction::parameters() const { return {}; }

EnergyFunction& EnergyFunction::to(Device device) {
  for (const Tensor& parameter : parameters()) {
    if (parameter.device() != device) {
      throw std::logic_error(std::string("EnergyFunction::to: this energy's parameters live on ") +
                             device_name(parameter.device()) + "; an energy with parameters overrides to(Device) to move them to " +
                             device_name(device));
    }
  }
  return *this;
}

Tensor EnergyFunction::operator()(const Tensor& x) const {
  if (!x.defined() || x.dim() != 2) {
    throw std::invalid_argument("energy: expects a batch of points of shape [N, D], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")));
  }
  const TermScope term("E(x)");
  const Tensor e = energy(x);
  if (!e.defined() || e.shape() != Shape{x.size(0)}) {
    throw std::logic_error("energy: an energy function must return shape [" + std::to_string(x.size(0)) + "] for input " +
                           shape_string(x.shape()) + ", this one returned " +
                           (e.defined() ? shape_string(e.shape()) : std::string("an undefined tensor")));
  }
  return e;
}

Tensor EnergyFunction::gradient(const Tensor& x) const { return energy_and_gradient(x).second; }

std::pair<Tensor, Tensor> EnergyFunction::energy_and_gradient(const Tensor& x) const {
  const bool recorded = derivatives_recorded(*this, x);
  GradModeGuard recording(true);
  const Tensor input = differentiable_input(x);
  const Tensor e = (*this)(input);
  const Tensor g = gradient_at(e, input, recorded);
  return {recorded ? e : e.detach(), g.defined() ? g : zeros_like(x)};
}

Tensor EnergyFunction::score(const Tensor& x) const { return -gradient(x); }

Tensor EnergyFunction::laplacian(const Tensor& x) const { return gradient_and_laplacian(x).second; }

std::pair<Tensor, Tensor> EnergyFunction::gradient_and_laplacian(const Tensor& x) const {
  const bool recorded = derivatives_recorded(*this, x);
  GradModeGuard recording(true);
  const Tensor input = differentiable_input(x);
  const Tensor g = gradient_at((*this)(input), input, /*create_graph=*/true);  // the trace differentiates it
  if (!g.defined()) return {zeros_like(x), zeros({input.size(0)}, input.dtype(), input.device())};
  const Tensor total = jacobian_trace(g, input, recorded);
  return {recorded ? g : g.detach(), recorded ? total : total.detach()};
}

std::pair<Tensor, Tensor> EnergyFunction::directional_derivatives(const Tensor& x, const Tensor& directions) const {
  check_directions("directional_derivatives", x, directions);
  const bool recorded = derivatives_recorded(*this, x);
  GradModeGuard recording(true);
  const Tensor input = differentiable_input(x);
  const Tensor g = gradient_at((*this)(input), input, /*create_graph=*/true);  // differentiated per direction
  if (!g.defined()) {
    return {zeros({directions.size(0), input.size(0)}, input.dtype(), input.device()),
            zeros({input.size(0)}, input.dtype(), input.device())};
  }
  const auto [first, second] = directional_derivatives_from_gradient(g, input, directions, recorded);
  return {recorded ? first : first.detach(), recorded ? second : second.detach()};
}

std::pair<Tensor, Tensor> directional_derivatives_from_gradient(const Tensor& g, const Tensor& x,
                                                                const Tensor& directions, bool create_graph) {
  const TermScope term("vᵀ∇E, and vᵀ(∇²E)v by one backward pass per direction");
  const int64_t m = directions.size(0);
  std::vector<Tensor> first;
  Tensor second = zeros({x.size(0)}, x.dtype(), x.device());
  for (int64_t k = 0; k < m; ++k) {
    const Tensor v = select(directions, 0, k);
    first.push_back(sum(g * v, 1));  // vᵀg
    if (!g.requires_grad()) continue;  // g does not depend on x
    const Tensor jacobian_v = grad(sum(first.back()), {x},
                                   {.create_graph = create_graph, .allow_unused = true, .retain_graph = true})[0];
    if (jacobian_v.defined()) second = second + sum(jacobian_v * v, 1);  // vᵀ(∂g/∂x)v
  }
  return {reshape(cat(first, 0), {m, x.size(0)}), second};
}

void check_directions(const char* caller, const Tensor& x, const Tensor& directions) {
  if (!x.defined() || x.dim() != 2) {
    throw std::invalid_argument(std::string(caller) + ": expects a batch of points of shape [N, D], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")));
  }
  if (!directions.defined() || directions.dim() != 3 || directions.size(0) < 1 || directions.size(1) != x.size(0) ||
      directions.size(2) != x.size(1)) {
    throw std::invalid_argument(std::string(caller) + ": expects directions of shape [M, " + std::to_string(x.size(0)) +
                                ", " + std::to_string(x.size(1)) + "] (M ≥ 1 directions for each of the points " +
                                shape_string(x.shape()) + "), got " +
                                (directions.defined() ? shape_string(directions.shape()) : std::string("an undefined tensor")));
  }
  if (directions.dtype() != x.dtype() || directions.device() != x.device()) {
    throw std::invalid_argument(std::string(caller) + ": directions must match the points' dtype and device (" +
                                dtype_name(x.dtype()) + ", " + device_name(x.device()) + "), got " +
                                dtype_name(directions.dtype()) + ", " + device_name(directions.device()));
  }
}

Tensor jacobian_trace(const Tensor& g, const Tensor& x, bool create_graph) {
  const TermScope term("ΔE by one backward pass per dimension");
  Tensor total = zeros({x.size(0)}, x.dtype(), x.device());
  if (!g.requires_grad()) return total;  // g does not depend on x: the function was at most linear
  for (int64_t d = 0; d < x.size(1); ++d) {
    const Tensor row = grad(sum(select(g, 1, d)), {x},
                            {.create_graph = create_graph, .allow_unused = true, .retain_graph = true})[0];
    if (row.defined()) total = total + select(row, 1, d);
  }
  return total;
}

}  // namespace ebm::energies
