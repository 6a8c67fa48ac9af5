#include "nn/mlp.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/ops.hpp"

namespace ebm::nn {

Linear::Linear(int64_t in_features, int64_t out_features, Generator& generator, DType dtype) {
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
}

Tensor Linear::operator()(const Tensor& x) const {
  if (!x.defined() || x.dim() != 2 || x.size(1) != weight_.size(0)) {
    throw std::invalid_argument("Linear: expects input of shape [N, " + std::to_string(weight_.size(0)) + "], got " +
                                (x.defined() ? shape_string(x.shape()) : std::string("an undefined tensor")));
  }
  return linear(x, weight_, bias_);
}

MLP::MLP(std::vector<int64_t> sizes, Activation activation, Generator& generator, DType dtype)
    : sizes_(std::move(sizes)), activation_(activation) {
  if (sizes_.size() < 2) {
    throw std::invalid_argument("MLP: needs at least two sizes (input and output), got " +
                                std::to_string(sizes_.size()));
  }
  for (std::size_t i = 0; i + 1 < sizes_.size(); ++i) layers_.emplace_back(sizes_[i], sizes_[i + 1], generator, dtype);
}

Tensor MLP::operator()(const Tensor& x) const {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i](h);
    if (i + 1 < layers_.size()) h = activate(activation_, h);
  }
  return h;
}

OutputDerivatives MLP::forward_laplacian(const Tensor& x) const {
  // The first layer a = xW + b: ∂a/∂x_d = W[d, :], the same at every point: [D, 1, width], which
  // broadcasts over the points.
  const Linear& first = layers_.front();
  return propagate_derivatives(first(x), reshape(first.weight(), {x.size(1), 1, sizes_[1]}));
}

OutputDerivatives MLP::forward_directional(const Tensor& x, const Tensor& directions) const {
  const Linear& first = layers_.front();
  const Tensor value = first(x);  // checks x
  if (!directions.defined() || directions.dim() != 3 || directions.size(1) != x.size(0) || directions.size(2) != x.size(1)) {
    throw std::invalid_argument("MLP::forward_directional: expects directions of shape [M, " + std::to_string(x.size(0)) +
                                ", " + std::to_string(x.size(1)) + "] for x " + shape_string(x.shape()) + ", got " +
                                (directions.defined() ? shape_string(directions.shape()) : std::string("an undefined tensor")));
  }
  // The first layer a = xW + b: (∂a/∂x)v = vW.
  const int64_t m = directions.size(0);
  const int64_t n = x.size(0);
  const Tensor slopes = matmul(reshape(directions, {m * n, x.size(1)}), first.weight());
  return propagate_derivatives(value, reshape(slopes, {m, n, sizes_[1]}));
}

OutputDerivatives MLP::propagate_derivatives(Tensor value, Tensor first) const {
  const int64_t directions = first.size(0);  // first is [directions, N or 1, width]
  const int64_t n = value.size(0);
  Tensor second;  // zero until the first nonlinearity: the first layer is linear in x
  for (std::size_t i = 1; i < layers_.size(); ++i) {
    // h = σ(a): (∂h/∂x)v = σ′(a)·(∂a/∂x)v and vᵀ(∂²h/∂x²)v = σ′(a)·vᵀ(∂²a/∂x²)v + σ″(a)·((∂a/∂x)v)²,
    // summed over the directions v.
    const auto [slope, curvature] = activation_derivatives(activation_, value);
    const Tensor curvature_term = curvature * sum(square(first), 0);
    second = second.defined() ? slope * second + curvature_term : curvature_term;
    first = slope * first;
    value = activate(activation_, value);
    // a = hW + b is linear in h: (∂a/∂x)v = ((∂h/∂x)v)·W, and the second derivatives map the same
    // way; the slices of all directions are one product.
    const Tensor& weight = layers_[i].weight();
    value = layers_[i](value);
    first = reshape(matmul(reshape(first, {directions * n, sizes_[i]}), weight), {directions, n, sizes_[i + 1]});
    second = matmul(second, weight);
  }
  if (!second.defined()) {  // a single linear layer: no curvature, and slopes from the first layer alone
    second = zeros_like(value);
    first = expand(first, {directions, n, sizes_.back()});
  }
  return {value, first, second};
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
