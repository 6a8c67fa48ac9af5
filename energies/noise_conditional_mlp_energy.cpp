#include "energies/noise_conditional_mlp_energy.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::energies {

NoiseConditionalMLPEnergy::NoiseConditionalMLPEnergy(std::vector<int64_t> sizes, nn::Activation activation, Generator& generator,
                                                     DType dtype, Device device, FourierFeatures features,
                                                     bool features_averaged_over_noise, bool preconditioned)
    : MLPEnergy(std::move(sizes), 1, activation, generator, dtype, device, features),
      features_averaged_over_noise_(features_averaged_over_noise),
      preconditioned_(preconditioned) {
  set_noise_level(sigma_);
}

void NoiseConditionalMLPEnergy::set_noise_level(double sigma) {
  if (!(std::isfinite(sigma) && sigma > 0)) {
    throw std::invalid_argument("NoiseConditionalMLPEnergy: the noise level σ must be finite and > 0, got " + std::to_string(sigma));
  }
  sigma_ = sigma;
  // The features are of c·x, whose noise at this level is c·σ.
  if (features_averaged_over_noise_) average_features_over_noise(input_scale() * sigma_);
}

double NoiseConditionalMLPEnergy::input_scale() const { return preconditioned_ ? 1 / std::sqrt(1 + sigma_ * sigma_) : 1.0; }

Tensor NoiseConditionalMLPEnergy::gaussian_energy(const Tensor& x) const {
  if (!preconditioned_) return Tensor();
  const double c = input_scale();
  return 0.5 * c * c * sum(square(x), 1);
}

Tensor NoiseConditionalMLPEnergy::with_level(const Tensor& x) const {
  check_input(x);
  const Tensor level = zeros_like(slice(x, 1, 0, 1)) + std::log(sigma_);
  return network_input(preconditioned_ ? input_scale() * x : x, level);
}

Tensor NoiseConditionalMLPEnergy::energy(const Tensor& x) const {
  const Tensor network_energy = reshape(network()(with_level(x)), {-1}) / sigma_;
  return preconditioned_ ? network_energy + gaussian_energy(x) : network_energy;
}

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::energy_and_gradient(const Tensor& x) const {
  if (derivatives_recorded(*this, x)) return EnergyFunction::energy_and_gradient(x);
  const Tensor input = with_level(x);
  const auto [output, gradient] = network().output_and_input_gradient(input);
  const double c = input_scale();
  const Tensor network_energy = reshape(output, {-1}) / sigma_, network_gradient = gradient_through_input(input, gradient) * (c / sigma_);
  if (!preconditioned_) return {network_energy, network_gradient};
  return {network_energy + gaussian_energy(x), network_gradient + c * c * x};  // ∇ₓ½c²‖x‖² = c²x
}

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::gradient_and_laplacian(const Tensor& x) const {
  return gradient_and_laplacian_along_units(x);
}

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::directional_derivatives(const Tensor& x, const Tensor& directions) const {
  // The network's jet along c·v at c·x is its jet along v at x (the chain rule, c constant).
  const double c = input_scale();
  const Tensor jet = preconditioned_ ? input_jet(c * x, c * directions) : input_jet(x, directions);
  // The level's column: log σ in the value, 0 in every derivative (σ is held fixed).
  const int64_t slices = jet.size(0), n = jet.size(1);
  const Tensor level = cat({zeros({1, n, 1}, x.dtype(), x.device()) + std::log(sigma_), zeros({slices - 1, n, 1}, x.dtype(), x.device())}, 0);
  const TermScope term("vᵀ∇E and vᵀ(∇²E)v carried forward through the network");
  const nn::OutputDerivatives derivatives = network().forward_jet(cat({jet, level}, 2));
  const Tensor first = reshape(derivatives.first, {directions.size(0), x.size(0)}) / sigma_, second = reshape(derivatives.second, {-1}) / sigma_;
  if (!preconditioned_) return {first, second};
  // The Gaussian term's: vᵀ(c²x) for each direction, and Σₘ vₘᵀ(c²I)vₘ.
  return {first + c * c * sum(directions * x, 2), second + c * c * sum(sum(square(directions), 2), 0)};
}

}  // namespace ebm::energies
