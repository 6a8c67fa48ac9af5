// Activation functions for MLPs, by name.
#pragma once

#include <string>
#include <string_view>

#include "engine/tensor.hpp"

namespace ebm::nn {

enum class Activation { ReLU, Tanh, Sigmoid, Softplus, SiLU };

/// relu, tanh, sigmoid, softplus or silu applied elementwise.
Tensor activate(Activation activation, const Tensor& x);

/// σ′(a) and σ″(a) of an activation σ, in differentiable ops (the forward Laplacian of an MLP
/// propagates both; docs/energies.md).
struct ActivationDerivatives {
  Tensor first;
  Tensor second;
};
ActivationDerivatives activation_derivatives(Activation activation, const Tensor& a);

/// "relu", "tanh", "sigmoid", "softplus", "silu".
const char* activation_name(Activation activation);
/// The activation with that name; throws std::invalid_argument listing the known names.
Activation parse_activation(std::string_view name);

}  // namespace ebm::nn
