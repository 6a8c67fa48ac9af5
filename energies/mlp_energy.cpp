#include "energies/mlp_energy.hpp"

#include <cmath>
#include <numbers>
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

FourierFeatures checked_features(FourierFeatures features) {
  if (features.count < 0 || !(std::isfinite(features.scale) && features.scale > 0)) {
    throw std::invalid_argument("MLPEnergy: Fourier features need a count ≥ 0 (0: none) and a finite scale > 0, got count " +
                                std::to_string(features.count) + " and scale " + std::to_string(features.scale));
  }
  return features;
}

/// 2πB for B [F, D] with entries N(0, scale²); undefined when F = 0.
Tensor draw_angular_frequencies(int64_t dimension, FourierFeatures features, Generator& generator, DType dtype, Device device) {
  if (checked_features(features).count == 0) return Tensor();
  return (randn({features.count, dimension}, generator, dtype) * features.scale * (2 * std::numbers::pi)).to(device);
}

/// The network's sizes: x's width replaced by what the network sees, plus extra columns.
std::vector<int64_t> network_sizes(std::vector<int64_t> sizes, int64_t extra_inputs, FourierFeatures features) {
  sizes = checked_sizes(std::move(sizes));
  sizes.front() += 2 * features.count + extra_inputs;
  return sizes;
}

}  // namespace

MLPEnergy::MLPEnergy(std::vector<int64_t> sizes, nn::Activation activation, Generator& generator, DType dtype, Device device,
                     FourierFeatures features)
    : MLPEnergy(std::move(sizes), 0, activation, generator, dtype, device, features) {}

MLPEnergy::MLPEnergy(std::vector<int64_t> sizes, int64_t extra_inputs, nn::Activation activation, Generator& generator, DType dtype,
                     Device device, FourierFeatures features)
    : dimension_(checked_sizes(sizes).front()),
      angular_frequencies_(draw_angular_frequencies(dimension_, features, generator, dtype, device)),
      network_(network_sizes(std::move(sizes), extra_inputs, features), activation, generator, dtype, device) {}

MLPEnergy& MLPEnergy::to(Device device) {
  network_.to(device);
  if (angular_frequencies_.defined()) angular_frequencies_ = angular_frequencies_.to(device);
  if (amplitudes_.defined()) amplitudes_ = amplitudes_.to(device);
  return *this;
}

void MLPEnergy::check_input(const Tensor& x) const {
  if (!x.defined() || x.dim() != 2 || x.size(1) != dimension_) {
    throw std::invalid_argument("MLPEnergy: expects points of shape [N, " + std::to_string(dimension_) + "], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")) +
                                (x.defined() && x.dim() == 2 ? " (D = " + std::to_string(x.size(1)) + ")" : std::string()));
  }
}

Tensor MLPEnergy::frequencies() const {
  return angular_frequencies_.defined() ? angular_frequencies_ / (2 * std::numbers::pi) : Tensor();
}

Tensor MLPEnergy::network_input(const Tensor& x, const Tensor& extra) const {
  check_input(x);
  if (!angular_frequencies_.defined()) return extra.defined() ? cat({x, extra}, 1) : x;
  const TermScope term("γ(x) = [x, cos 2πxBᵀ, sin 2πxBᵀ]");
  const auto [cos_u, sin_u] = features(matmul(x, angular_frequencies_, false, true));
  return extra.defined() ? cat({x, cos_u, sin_u, extra}, 1) : cat({x, cos_u, sin_u}, 1);
}

std::pair<Tensor, Tensor> MLPEnergy::features(const Tensor& u) const {
  if (!amplitudes_.defined()) return {cos(u), sin(u)};
  return {amplitudes_ * cos(u), amplitudes_ * sin(u)};
}

void MLPEnergy::average_features_over_noise(double sigma) {
  if (!angular_frequencies_.defined()) return;
  amplitudes_ = exp(-0.5 * sigma * sigma * sum(square(angular_frequencies_), 1));
}

Tensor MLPEnergy::gradient_through_input(const Tensor& input, const Tensor& input_gradient) const {
  const int64_t d = dimension_;
  const Tensor along_x = input_gradient.size(1) == d ? input_gradient : slice(input_gradient, 1, 0, d);
  if (!angular_frequencies_.defined()) return along_x;
  const int64_t count = angular_frequencies_.size(0);
  const Tensor cos_u = slice(input, 1, d, d + count), sin_u = slice(input, 1, d + count, d + 2 * count);
  const Tensor along_u = slice(input_gradient, 1, d + count, d + 2 * count) * cos_u - slice(input_gradient, 1, d, d + count) * sin_u;
  return along_x + matmul(along_u, angular_frequencies_);
}

Tensor MLPEnergy::energy(const Tensor& x) const { return reshape(network_(network_input(x)), {-1}); }

std::pair<Tensor, Tensor> MLPEnergy::energy_and_gradient(const Tensor& x) const {
  if (derivatives_recorded(*this, x)) return EnergyFunction::energy_and_gradient(x);
  const Tensor input = network_input(x);
  const auto [output, gradient] = network_.output_and_input_gradient(input);
  return {reshape(output, {-1}), gradient_through_input(input, gradient)};
}

std::pair<Tensor, Tensor> MLPEnergy::gradient_and_laplacian(const Tensor& x) const {
  if (angular_frequencies_.defined()) return gradient_and_laplacian_along_units(x);
  check_input(x);
  const TermScope term("∇ₓE and ΔE carried forward through the network (forward Laplacian)");
  const nn::OutputDerivatives derivatives = network_.forward_laplacian(x);
  // first [D, N, 1] holds ∂E/∂x_d for every point (the Jacobian); ∇ₓE is its transpose [N, D].
  return {transpose(reshape(derivatives.first, {x.size(1), x.size(0)})), reshape(derivatives.second, {-1})};
}

std::pair<Tensor, Tensor> MLPEnergy::gradient_and_laplacian_along_units(const Tensor& x) const {
  // Along the D unit vectors of x: the first derivatives are ∇ₓE, the second ones sum to ΔₓE.
  check_input(x);
  const TermScope term("∇ₓE and ΔE carried forward along the D unit vectors");
  const int64_t n = x.size(0), d = x.size(1);
  std::vector<double> units(static_cast<std::size_t>(d * d), 0.0);
  for (int64_t k = 0; k < d; ++k) units[static_cast<std::size_t>(k * d + k)] = 1.0;
  const Tensor directions = expand(tensor(units, {d, 1, d}, x.dtype()).to(x.device()), {d, n, d});
  const auto [first, laplacian] = directional_derivatives(x, directions);
  return {transpose(first), laplacian};
}

Tensor MLPEnergy::input_jet(const Tensor& x, const Tensor& directions) const {
  check_input(x);
  check_directions("MLPEnergy::directional_derivatives", x, directions);
  const int64_t m = directions.size(0), n = x.size(0), d = x.size(1);
  const Tensor x_jet = nn::linear_input_jet(x, directions);
  if (!angular_frequencies_.defined()) return x_jet;
  const int64_t count = angular_frequencies_.size(0);
  const Tensor u = matmul(x, angular_frequencies_, false, true);                                                       // [N, F]
  const Tensor du = reshape(matmul(reshape(directions, {m * n, d}), angular_frequencies_, false, true), {m, n, count});  // [M, N, F]
  const Tensor du_squared = unsqueeze(sum(square(du), 0), 0);                                                         // [1, N, F]
  const auto [cos_features, sin_features] = features(u);
  const Tensor cos_u = unsqueeze(cos_features, 0), sin_u = unsqueeze(sin_features, 0);
  const Tensor cos_jet = cat({cos_u, -sin_u * du, -cos_u * du_squared}, 0);
  const Tensor sin_jet = cat({sin_u, cos_u * du, -sin_u * du_squared}, 0);
  return cat({x_jet, cos_jet, sin_jet}, 2);
}

std::pair<Tensor, Tensor> MLPEnergy::directional_derivatives(const Tensor& x, const Tensor& directions) const {
  const Tensor jet = input_jet(x, directions);
  const TermScope term("vᵀ∇E and vᵀ(∇²E)v carried forward through the network");
  const nn::OutputDerivatives derivatives = network_.forward_jet(jet);
  return {reshape(derivatives.first, {directions.size(0), x.size(0)}), reshape(derivatives.second, {-1})};
}

}  // namespace ebm::energies
