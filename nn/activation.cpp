#include "nn/activation.hpp"

#include <stdexcept>
#include <string>

#include "engine/ops.hpp"

namespace ebm::nn {

Tensor activate(Activation activation, const Tensor& x) {
  switch (activation) {
    case Activation::ReLU: return relu(x);
    case Activation::Tanh: return tanh(x);
    case Activation::Sigmoid: return sigmoid(x);
    case Activation::Softplus: return softplus(x);
    case Activation::SiLU: return silu(x);
  }
  throw std::invalid_argument("activate: unknown activation");
}

ActivationDerivatives activation_derivatives(Activation activation, const Tensor& a, bool with_second) {
  switch (activation) {
    case Activation::ReLU: return {greater(a, 0.0), with_second ? zeros_like(a) : Tensor()};  // [a > 0]; 0 away from the kink
    case Activation::Tanh: {
      const Tensor t = tanh(a);
      const Tensor slope = 1.0 - square(t);  // 1 − tanh², then −2 tanh·(1 − tanh²)
      return {slope, with_second ? -2.0 * (t * slope) : Tensor()};
    }
    case Activation::Sigmoid: {
      const Tensor s = sigmoid(a);
      const Tensor slope = s * (1.0 - s);  // σ(1 − σ), then σ(1 − σ)(1 − 2σ)
      return {slope, with_second ? slope * (1.0 - 2.0 * s) : Tensor()};
    }
    case Activation::Softplus: {
      const Tensor s = sigmoid(a);
      return {s, with_second ? s * (1.0 - s) : Tensor()};  // σ, then σ(1 − σ)
    }
    case Activation::SiLU:
      return {silu_backward(scalar_tensor(1.0, a.dtype(), a.device()), a), with_second ? silu_second_derivative(a) : Tensor()};
  }
  throw std::invalid_argument("activation_derivatives: unknown activation");
}

Tensor activation_backward(Activation activation, const Tensor& g, const Tensor& a) {
  if (activation == Activation::SiLU) return silu_backward(g, a);
  return g * activation_derivatives(activation, a, false).first;
}

Tensor activation_jet(Activation activation, const Tensor& products, const Tensor& bias) {
  if (!products.defined() || !bias.defined() || products.dim() != 3 || products.size(0) < 2 || bias.dim() != 1 ||
      bias.size(0) != products.size(2)) {
    throw std::invalid_argument(
        "activation_jet: expects products [K, N, W] with K ≥ 2 (value, M = K − 2 directions, curvature) and bias [W], "
        "got products " +
        (products.defined() ? shape_string(products.shape()) : std::string("undefined")) + " and bias " +
        (bias.defined() ? shape_string(bias.shape()) : std::string("undefined")));
  }
  if (activation == Activation::SiLU) return silu_jet(products, bias);
  const int64_t last = products.size(0) - 1;
  const Tensor a = select(products, 0, 0) + bias;
  const Tensor directions = slice(products, 0, 1, last);
  const auto [slope, curvature] = activation_derivatives(activation, a);
  const Tensor curvature_sum = slope * select(products, 0, last) + curvature * sum(square(directions), 0);
  return cat({unsqueeze(activate(activation, a), 0), slope * directions, unsqueeze(curvature_sum, 0)}, 0);
}

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::ReLU: return "relu";
    case Activation::Tanh: return "tanh";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Softplus: return "softplus";
    case Activation::SiLU: return "silu";
  }
  return "unknown";
}

Activation parse_activation(std::string_view name) {
  std::string known;
  for (Activation activation : all_activations) {
    if (name == activation_name(activation)) return activation;
    known += known.empty() ? "" : ", ";
    known += activation_name(activation);
  }
  throw std::invalid_argument("unknown activation '" + std::string(name) + "'; known: " + known);
}

}  // namespace ebm::nn
