// Activation functions for MLPs, by name.
#pragma once

#include <string>
#include <string_view>

#include "engine/tensor.hpp"

namespace ebm::nn {

enum class Activation { ReLU, Tanh, Sigmoid, Softplus, SiLU };
/// Every activation, in the enum's order.
inline constexpr Activation all_activations[] = {Activation::ReLU, Activation::Tanh, Activation::Sigmoid,
                                                 Activation::Softplus, Activation::SiLU};

/// relu, tanh, sigmoid, softplus or silu applied elementwise.
Tensor activate(Activation activation, const Tensor& x);

/// σ′(a) and σ″(a) of an activation σ, in differentiable ops (the forward Laplacian of an MLP
/// propagates both; docs/energies.md); σ″ is left undefined unless with_second.
struct ActivationDerivatives {
  Tensor first;
  Tensor second;
};
ActivationDerivatives activation_derivatives(Activation activation, const Tensor& a, bool with_second = true);
/// g·σ′(a): the backward of an activation, g and a broadcast together (SiLU's is one kernel).
Tensor activation_backward(Activation activation, const Tensor& g, const Tensor& a);

/// One layer of the forward Laplacian on a packed jet (ops.hpp silu_jet): from a layer's products
/// [K, N, W] (value, M = K − 2 directional derivatives Fₘ, curvature sum S) and its bias [W], with
/// a = products[0] + bias, the jet after the activation: (σ(a), σ′(a)·Fₘ, σ′(a)·S + σ″(a)·Σₘ Fₘ²).
/// SiLU's is one kernel (silu_jet); the others are composed from activation_derivatives. Other
/// shapes than K ≥ 2 and a matching bias are refused with std::invalid_argument.
Tensor activation_jet(Activation activation, const Tensor& products, const Tensor& bias);

/// "relu", "tanh", "sigmoid", "softplus", "silu".
const char* activation_name(Activation activation);
/// The activation with that name; throws std::invalid_argument listing the known names.
Activation parse_activation(std::string_view name);

}  // namespace ebm::nn
