#include "energies/mlp_energy.hpp"

#include <stdexcept>
#include <string>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::energies {
namespace {

std::vector<int64_t> checked_sizes(std::vector<int64_t> sizes) {
  if (sizes.size() < 2 || sizes.back() != 1) {
    throw std::invalid_argument("MLPEnergy: sizes must be {D, hidden…, 1} (at least two sizes, the last 1), got " +
                                shape_string(sizes));
  }
  return sizes;
}

}  // namespace

MLPEnergy::MLPEnergy(std::vector<int64_t> sizes, nn::Activation activation, Generator& generator, DType dtype, Device device)
    : network_(checked_sizes(std::move(sizes)), activation, generator, dtype, device) {}

MLPEnergy& MLPEnergy::to(Device device) {
  network_.to(device);
  return *this;
}

void MLPEnergy::check_input(const Tensor& x) const {
  const int64_t d = network_.sizes().front();
  if (!x.defined() || x.dim() != 2 || x.size(1) != d) {
    throw std::invalid_argument("MLPEnergy: expects points of shape [N, " + std::to_string(d) + "], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")) +
                                (x.defined() && x.dim() == 2 ? " (D = " + std::to_string(x.size(1)) + ")" : std::string()));
  }
}

Tensor MLPEnergy::energy(const Tensor& x) const {
  check_input(x);
  return reshape(network_(x), {-1});
}

std::pair<Tensor, Tensor> MLPEnergy::energy_and_gradient(const Tensor& x) const {
  if (derivatives_recorded(*this, x)) return EnergyFunction::energy_and_gradient(x);
  check_input(x);
  const auto [output, gradient] = network_.output_and_input_gradient(x);
  return {reshape(output, {-1}), gradient};
}

std::pair<Tensor, Tensor> MLPEnergy::gradient_and_laplacian(const Tensor& x) const {
  check_input(x);
  const TermScope term("∇ₓE and ΔE carried forward through the network (forward Laplacian)");
  const nn::OutputDerivatives derivatives = network_.forward_laplacian(x);
  // first [D, N, 1] holds ∂E/∂x_d for every point (the Jacobian); ∇ₓE is its transpose [N, D].
  return {transpose(reshape(derivatives.first, {x.size(1), x.size(0)})), reshape(derivatives.second, {-1})};
}

std::pair<Tensor, Tensor> MLPEnergy::directional_derivatives(const Tensor& x, const Tensor& directions) const {
  check_input(x);
  check_directions("MLPEnergy::directional_derivatives", x, directions);
  const TermScope term("vᵀ∇E and vᵀ(∇²E)v carried forward through the network");
  const nn::OutputDerivatives derivatives = network_.forward_directional(x, directions);
  return {reshape(derivatives.first, {directions.size(0), x.size(0)}), reshape(derivatives.second, {-1})};
}

}  // namespace ebm::energies
