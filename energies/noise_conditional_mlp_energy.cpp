#include "energies/noise_conditional_mlp_energy.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::energies {
namespace {

std::vector<int64_t> with_level_input(std::vector<int64_t> sizes) {
  if (!sizes.empty()) sizes.front() += 1;
  return sizes;
}

}  // namespace

NoiseConditionalMLPEnergy::NoiseConditionalMLPEnergy(std::vector<int64_t> sizes, nn::Activation activation, Generator& generator,
                                                     DType dtype, Device device)
    : MLPEnergy(with_level_input(std::move(sizes)), activation, generator, dtype, device) {}

void NoiseConditionalMLPEnergy::set_noise_level(double sigma) {
  if (!(std::isfinite(sigma) && sigma > 0)) {
    throw std::invalid_argument("NoiseConditionalMLPEnergy: the noise level σ must be finite and > 0, got " + std::to_string(sigma));
  }
  sigma_ = sigma;
}

void NoiseConditionalMLPEnergy::check_points(const Tensor& x) const {
  const int64_t d = network().sizes().front() - 1;
  if (!x.defined() || x.dim() != 2 || x.size(1) != d) {
    throw std::invalid_argument("NoiseConditionalMLPEnergy: expects points of shape [N, " + std::to_string(d) + "], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")));
  }
}

Tensor NoiseConditionalMLPEnergy::with_level(const Tensor& x) const {
  check_points(x);
  return cat({x, zeros_like(slice(x, 1, 0, 1)) + std::log(sigma_)}, 1);
}

Tensor NoiseConditionalMLPEnergy::with_fixed_level(const Tensor& directions) {
  return cat({directions, zeros_like(slice(directions, 2, 0, 1))}, 2);
}

Tensor NoiseConditionalMLPEnergy::energy(const Tensor& x) const { return reshape(network()(with_level(x)), {-1}) / sigma_; }

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::energy_and_gradient(const Tensor& x) const {
  if (derivatives_recorded(*this, x)) return EnergyFunction::energy_and_gradient(x);
  const auto [output, gradient] = network().output_and_input_gradient(with_level(x));
  return {reshape(output, {-1}) / sigma_, slice(gradient, 1, 0, x.size(1)) / sigma_};
}

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::gradient_and_laplacian(const Tensor& x) const {
  // Along the D unit vectors of x: the first derivatives are ∇ₓE, the second ones sum to ΔₓE.
  check_points(x);
  const TermScope term("∇ₓE and ΔE carried forward along the D unit vectors");
  const int64_t n = x.size(0), d = x.size(1);
  std::vector<double> units(static_cast<std::size_t>(d * d), 0.0);
  for (int64_t k = 0; k < d; ++k) units[static_cast<std::size_t>(k * d + k)] = 1.0;
  const Tensor directions = expand(tensor(units, {d, 1, d}, x.dtype()).to(x.device()), {d, n, d});
  const auto [first, laplacian] = directional_derivatives(x, directions);
  return {transpose(first), laplacian};
}

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::directional_derivatives(const Tensor& x, const Tensor& directions) const {
  const Tensor input = with_level(x);
  check_directions("NoiseConditionalMLPEnergy::directional_derivatives", x, directions);
  const TermScope term("vᵀ∇E and vᵀ(∇²E)v carried forward through the network");
  const nn::OutputDerivatives derivatives = network().forward_directional(input, with_fixed_level(directions));
  return {reshape(derivatives.first, {directions.size(0), x.size(0)}) / sigma_, reshape(derivatives.second, {-1}) / sigma_};
}

}  // namespace ebm::energies
