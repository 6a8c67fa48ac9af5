// Linear layers and multilayer perceptrons.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/generator.hpp"
#include "engine/tensor.hpp"
#include "nn/activation.hpp"

namespace ebm::nn {

/// y = x W + b with W [in, out] and b [out]. Initialised as PyTorch's Linear: every entry of W
/// and b uniform in ±1/√in.
class Linear {
 public:
  Linear(int64_t in_features, int64_t out_features, Generator& generator = default_generator(),
         DType dtype = DType::Float32, Device device = Device::CPU);
  /// Moves the parameters to `device` (new leaf tensors there; construct optimizers after).
  Linear& to(Device device);
  /// x [N, in] → [N, out].
  Tensor operator()(const Tensor& x) const;
  /// Throws std::invalid_argument unless x has shape [N, in].
  void check_input(const Tensor& x) const;
  std::vector<Tensor> parameters() const { return {weight_, bias_}; }
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  Tensor weight_;
  Tensor bias_;
};

/// A network's output y [N, K] with its derivatives along M directions per point, v [M, N, D]:
/// first [M, N, K] holds the directional derivatives (∂y/∂x)vₘ, second [N, K] the sum of the
/// second directional derivatives Σₘ vₘᵀ(∂²y/∂x²)vₘ. With the D unit vectors as the directions they
/// are the Jacobian [D, N, K] and the Laplacian.
struct OutputDerivatives {
  Tensor value;
  Tensor first;
  Tensor second;
};

/// The packed jet of points x [N, D] along directions v [M, N, D]: [x, v₁ … v_M, 0], shape
/// [M + 2, N, D] (x is linear in itself: its second derivatives are 0). Shapes are not checked.
Tensor linear_input_jet(const Tensor& x, const Tensor& directions);

/// Linear layers of the given sizes with the activation between them, none after the last:
/// sizes {2, 128, 128, 1} is 2 → 128 → act → 128 → act → 1.
class MLP {
 public:
  /// Initialised on the CPU from the generator, then moved: a seed gives the same network on every device.
  MLP(std::vector<int64_t> sizes, Activation activation = Activation::SiLU,
      Generator& generator = default_generator(), DType dtype = DType::Float32, Device device = Device::CPU);
  /// Moves every layer's parameters to `device`.
  MLP& to(Device device);
  /// x [N, sizes.front()] → [N, sizes.back()].
  Tensor operator()(const Tensor& x) const;
  /// The output with its input Jacobian and Laplacian (directions: the D unit vectors), propagated
  /// forward layer by layer with the output (the forward Laplacian, docs/energies.md): about D + 2
  /// products per layer where D backward passes of the gradient take 2D + 2, all in differentiable ops.
  OutputDerivatives forward_laplacian(const Tensor& x) const;
  /// The output with its derivatives along directions v [M, N, D] (x [N, D]; other shapes are
  /// refused with std::invalid_argument), propagated forward the same way: M + 2 products per layer.
  OutputDerivatives forward_directional(const Tensor& x, const Tensor& directions) const;
  /// The same for an input that is itself a function of the points: its packed jet [M + 2, N, D]
  /// holds the input, its M directional derivatives and the sum of its M second directional
  /// derivatives (0 for an input linear in the points, as forward_directional's).
  OutputDerivatives forward_jet(const Tensor& input_jet) const;
  /// For a network with one output: y [N, 1] and its input gradient ∂y/∂x [N, D], from the forward
  /// pass and one backward pass derived by hand (∂y/∂hₗ₋₁ = W_Lᵀ, then gᵢ₋₁ = (gᵢ·σ′(aᵢ))Wᵢᵀ down
  /// the hidden layers; docs/energies.md), with nothing recorded: neither result is differentiable.
  /// For samplers, which need ∇ₓE and no derivatives of it. x must be [N, D].
  std::pair<Tensor, Tensor> output_and_input_gradient(const Tensor& x) const;
  /// W1, b1, W2, b2, …; each W has shape [in, out].
  std::vector<Tensor> parameters() const;
  const std::vector<int64_t>& sizes() const { return sizes_; }
  Activation activation() const { return activation_; }

 private:
  /// Carries the first layer's products as a packed jet [M + 2, N, width] (value without the
  /// bias, M directional derivatives, second-derivative sum 0) through the remaining layers.
  OutputDerivatives propagate_derivatives(Tensor products) const;

  std::vector<int64_t> sizes_;
  Activation activation_;
  std::vector<Linear> layers_;
};

}  // namespace ebm::nn
