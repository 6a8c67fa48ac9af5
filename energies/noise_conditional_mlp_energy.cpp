#include "energies/noise_conditional_mlp_energy.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/anomaly.hpp"
#include "engine/ops.hpp"

namespace ebm::energies {

NoiseConditionalMLPEnergy::NoiseConditionalMLPEnergy(std::vector<int64_t> sizes, nn::Activation activation, Generator& generator,
                                                     DType dtype, Device device, FourierFeatures features,
                                                     bool features_averaged_over_noise)
    : MLPEnergy(std::move(sizes), 1, activation, generator, dtype, device, features),
      features_averaged_over_noise_(features_averaged_over_noise) {
  if (features_averaged_over_noise_) average_features_over_noise(sigma_);
}

void NoiseConditionalMLPEnergy::set_noise_level(double sigma) {
  if (!(std::isfinite(sigma) && sigma > 0)) {
    throw std::invalid_argument("NoiseConditionalMLPEnergy: the noise level σ must be finite and > 0, got " + std::to_string(sigma));
  }
  sigma_ = sigma;
  if (features_averaged_over_noise_) average_features_over_noise(sigma_);
}

Tensor NoiseConditionalMLPEnergy::with_level(const Tensor& x) const {
  check_input(x);
  return network_input(x, zeros_like(slice(x, 1, 0, 1)) + std::log(sigma_));
}

Tensor NoiseConditionalMLPEnergy::energy(const Tensor& x) const { return reshape(network()(with_level(x)), {-1}) / sigma_; }

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::energy_and_gradient(const Tensor& x) const {
  if (derivatives_recorded(*this, x)) return EnergyFunction::energy_and_gradient(x);
  const Tensor input = with_level(x);
  const auto [output, gradient] = network().output_and_input_gradient(input);
  return {reshape(output, {-1}) / sigma_, gradient_through_input(input, gradient) / sigma_};
}

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::gradient_and_laplacian(const Tensor& x) const {
  return gradient_and_laplacian_along_units(x);
}

std::pair<Tensor, Tensor> NoiseConditionalMLPEnergy::directional_derivatives(const Tensor& x, const Tensor& directions) const {
  const Tensor jet = input_jet(x, directions);
  // The level's column: log σ in the value, 0 in every derivative (σ is held fixed).
  const int64_t slices = jet.size(0), n = jet.size(1);
  const Tensor level = cat({zeros({1, n, 1}, x.dtype(), x.device()) + std::log(sigma_), zeros({slices - 1, n, 1}, x.dtype(), x.device())}, 0);
  const TermScope term("vᵀ∇E and vᵀ(∇²E)v carried forward through the network");
  const nn::OutputDerivatives derivatives = network().forward_jet(cat({jet, level}, 2));
  return {reshape(derivatives.first, {directions.size(0), x.size(0)}) / sigma_, reshape(derivatives.second, {-1}) / sigma_};
}

}  // namespace ebm::energies
