#include "nn/activation.hpp"

#include <stdexcept>

#include "engine/ops.hpp"

namespace ebm::nn {

namespace {
constexpr Activation all_activations[] = {Activation::ReLU, Activation::Tanh, Activation::Sigmoid,
                                          Activation::Softplus, Activation::SiLU};
}

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
