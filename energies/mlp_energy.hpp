// A neural energy: E(x) = MLP(x) with a final width of 1.
#pragma once

#include "energies/energy_function.hpp"
#include "nn/mlp.hpp"

namespace ebm::energies {

class MLPEnergy : public EnergyFunction {
 public:
  /// sizes = {D, hidden…, 1}; the last size must be 1.
  MLPEnergy(std::vector<int64_t> sizes, nn::Activation activation = nn::Activation::SiLU,
            Generator& generator = default_generator(), DType dtype = DType::Float32, Device device = Device::CPU);
  Tensor energy(const Tensor& x) const override;
  MLPEnergy& to(Device device) override;
  /// Through the recorded forward and backward passes when derivatives_recorded(*this, x) (losses
  /// differentiate the result); otherwise from nn::MLP::output_and_input_gradient, with nothing
  /// recorded (samplers): the same values.
  std::pair<Tensor, Tensor> energy_and_gradient(const Tensor& x) const override;
  /// From the network's forward Laplacian (nn::MLP::forward_laplacian) instead of D backward
  /// passes: the same values, fewer matrix products.
  std::pair<Tensor, Tensor> gradient_and_laplacian(const Tensor& x) const override;
  /// From nn::MLP::forward_directional: the directions are carried forward with the values.
  std::pair<Tensor, Tensor> directional_derivatives(const Tensor& x, const Tensor& directions) const override;
  std::vector<Tensor> parameters() const override { return network_.parameters(); }
  const nn::MLP& network() const { return network_; }

 private:
  /// Throws std::invalid_argument unless x is [N, D] with the network's D.
  void check_input(const Tensor& x) const;

  nn::MLP network_;
};

}  // namespace ebm::energies
