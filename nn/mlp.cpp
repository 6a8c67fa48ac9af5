#include "nn/mlp.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/autograd/grad_mode.hpp"
#include "engine/ops.hpp"

namespace ebm::nn {

Linear::Linear(int64_t in_features, int64_t out_features, Generator& generator, DType dtype, Device device) {
  if (in_features <= 0 || out_features <= 0) {
    throw std::invalid_argument("Linear: features must be positive, got in = " + std::to_string(in_features) +
                                ", out = " + std::to_string(out_features));
  }
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_features));
  const auto uniform = [&](const Shape& shape) {
    return (rand(shape, generator, dtype) * (2.0 * bound) - bound).detach().requires_grad_();
  };
  weight_ = uniform({in_features, out_features});
  bias_ = uniform({out_features});
  to(device);
}

Linear& Linear::to(Device device) {
  if (weight_.device() != device) {
    weight_ = weight_.detach().to(device).requires_grad_();
    bias_ = bias_.detach().to(device).requires_grad_();
  }
  return *this;
}

Tensor Linear::operator()(const Tensor& x) const {
  check_input(x);
  return linear(x, weight_, bias_);
}

void Linear::check_input(const Tensor& x) const {
  if (!x.defined() || x.dim() != 2 || x.size(1) != weight_.size(0)) {
    throw std::invalid_argument("Linear: expects input of shape [N, " + std::to_string(weight_.size(0)) + "], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")));
  }
}

MLP::MLP(std::vector<int64_t> sizes, Activation activation, Generator& generator, DType dtype, Device device)
    : sizes_(std::move(sizes)), activation_(activation) {
  if (sizes_.size() < 2) {
    throw std::invalid_argument("MLP: needs at least two sizes (input and output), got " +
                                std::to_string(sizes_.size()));
  }
  for (std::size_t i = 0; i + 1 < sizes_.size(); ++i) layers_.emplace_back(sizes_[i], sizes_[i + 1], generator, dtype, device);
}

MLP& MLP::to(Device device) {
  for (Linear& layer : layers_) layer.to(device);
  return *this;
}

Tensor MLP::operator()(const Tensor& x) const {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i](h);
    if (i + 1 < layers_.size()) h = activate(activation_, h);
  }
  return h;
}

std::pair<Tensor, Tensor> MLP::output_and_input_gradient(const Tensor& x) const {
  layers_.front().check_input(x);
  if (sizes_.back() != 1) {
    throw std::invalid_argument("MLP::output_and_input_gradient: needs a network with one output, this one has " +
                                std::to_string(sizes_.back()));
  }
  NoGradGuard no_grad;
  std::vector<Tensor> pre_activations;  // aᵢ = hᵢ₋₁Wᵢ + bᵢ of each hidden layer
  Tensor h = x;
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) {
    pre_activations.push_back(layers_[i](h));
    h = activate(activation_, pre_activations.back());
  }
  const Tensor output = layers_.back()(h);
  // ∂y/∂h of the last hidden layer is W_Lᵀ at every point: a row, broadcast by the first step.
  Tensor gradient = reshape(layers_.back().weight(), {1, -1});
  for (std::size_t i = pre_activations.size(); i-- > 0;) {
    gradient = matmul(activation_backward(activation_, gradient, pre_activations[i]), layers_[i].weight(),
                      /*transpose_a=*/false, /*transpose_b=*/true);
  }
  if (pre_activations.empty()) gradient = expand(gradient, x.shape());  // y = xW + b: ∇y = Wᵀ at every point
  return {output, gradient};
}

OutputDerivatives MLP::forward_laplacian(const Tensor& x) const {
  const Linear& first = layers_.front();
  first.check_input(x);
  // The first layer's products xW and, along the unit vector e_d, e_dW = W[d, :] at every point.
  const int64_t n = x.size(0);
  const int64_t d = x.size(1);
  const int64_t width = sizes_[1];
  const Tensor& weight = first.weight();
  return propagate_derivatives(cat({unsqueeze(matmul(x, weight), 0), expand(reshape(weight, {d, 1, width}), {d, n, width}),
                                    zeros({1, n, width}, x.dtype(), x.device())},
                                   0));
}

OutputDerivatives MLP::forward_directional(const Tensor& x, const Tensor& directions) const {
  const Linear& first = layers_.front();
  first.check_input(x);
  if (!directions.defined() || directions.dim() != 3 || directions.size(1) != x.size(0) || directions.size(2) != x.size(1)) {
    throw std::invalid_argument("MLP::forward_directional: expects directions of shape [M, " + std::to_string(x.size(0)) +
                                ", " + std::to_string(x.size(1)) + "] for x " + shape_string(x.shape()) + ", got " +
                                (directions.defined() ? shape_string(directions.shape()) : std::string("an undefined tensor")));
  }
  return forward_jet(linear_input_jet(x, directions));
}

Tensor linear_input_jet(const Tensor& x, const Tensor& directions) {
  return cat({unsqueeze(x, 0), directions, zeros({1, x.size(0), x.size(1)}, x.dtype(), x.device())}, 0);
}

OutputDerivatives MLP::forward_jet(const Tensor& input_jet) const {
  if (!input_jet.defined() || input_jet.dim() != 3 || input_jet.size(0) < 2 || input_jet.size(2) != sizes_.front()) {
    throw std::invalid_argument("MLP::forward_jet: expects an input jet of shape [M + 2, N, " + std::to_string(sizes_.front()) +
                                "] (M ≥ 0 directions), got " +
                                (input_jet.defined() ? shape_string(input_jet.shape()) : std::string("an undefined tensor")));
  }
  // The first layer's products of every slice: one product.
  const int64_t slices = input_jet.size(0);
  const int64_t n = input_jet.size(1);
  return propagate_derivatives(
      reshape(matmul(reshape(input_jet, {slices * n, sizes_.front()}), layers_.front().weight()), {slices, n, sizes_[1]}));
}

OutputDerivatives MLP::propagate_derivatives(Tensor products) const {
  // products is a packed jet [M + 2, N, width] (ops.hpp silu_jet): a layer's products hW before
  // its bias, their derivatives along the M directions, and the sum of their second derivatives.
  const int64_t slices = products.size(0);
  const int64_t n = products.size(1);
  for (std::size_t i = 1; i < layers_.size(); ++i) {
    // h = σ(a) maps the jet as activation_jet says; the next layer's products hW are linear in h,
    // so every slice maps the same way: one product for all of them.
    const Tensor jet = activation_jet(activation_, products, layers_[i - 1].bias());
    products = reshape(matmul(reshape(jet, {slices * n, sizes_[i]}), layers_[i].weight()), {slices, n, sizes_[i + 1]});
  }
  return {select(products, 0, 0) + layers_.back().bias(), slice(products, 0, 1, slices - 1), select(products, 0, slices - 1)};
}

std::vector<Tensor> MLP::parameters() const {
  std::vector<Tensor> parameters;
  for (const Linear& layer : layers_) {
    parameters.push_back(layer.weight());
    parameters.push_back(layer.bias());
  }
  return parameters;
}

}  // namespace ebm::nn
