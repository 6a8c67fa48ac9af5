// A noise-conditional neural energy: E(x; σ) = MLP([x, log σ])/σ. The network sees the level as an
// extra input, so each level has its own shape, and its output is divided by σ, so the score
// s(x; σ) = −∇ₓMLP([x, log σ])/σ has the 1/σ scale of the perturbed data's score at every level
// (Song & Ermon 2020, "Improved techniques for training score-based generative models",
// technique 3). Derivation: docs/energies.md.
#pragma once

#include "energies/mlp_energy.hpp"
#include "energies/noise_conditional.hpp"

namespace ebm::energies {

class NoiseConditionalMLPEnergy : public MLPEnergy, public NoiseConditional {
 public:
  /// sizes = {D, hidden…, 1}, as MLPEnergy; the network's input is one column wider than x (or
  /// than γ(x) with Fourier features). The noise level starts at σ = 1.
  /// With features_averaged_over_noise, the network at level σ sees each Fourier feature averaged
  /// over the level's noise, E_ε γ(x + σε) (MLPEnergy::average_features_over_noise): features far
  /// finer than σ fade out of the coarse levels.
  NoiseConditionalMLPEnergy(std::vector<int64_t> sizes, nn::Activation activation = nn::Activation::SiLU,
                            Generator& generator = default_generator(), DType dtype = DType::Float32, Device device = Device::CPU,
                            FourierFeatures features = {}, bool features_averaged_over_noise = true);
  /// Makes energy(x) = MLP([x, log sigma])/sigma; throws std::invalid_argument unless sigma is
  /// finite and > 0.
  void set_noise_level(double sigma) override;
  double noise_level() const { return sigma_; }

  Tensor energy(const Tensor& x) const override;
  // The network's derivatives along x only (the level's column is held fixed), divided by σ.
  std::pair<Tensor, Tensor> energy_and_gradient(const Tensor& x) const override;
  std::pair<Tensor, Tensor> gradient_and_laplacian(const Tensor& x) const override;
  std::pair<Tensor, Tensor> directional_derivatives(const Tensor& x, const Tensor& directions) const override;

 private:
  /// [x, log σ] (or [γ(x), log σ]) for x [N, D], checked.
  Tensor with_level(const Tensor& x) const;

  double sigma_ = 1.0;
  bool features_averaged_over_noise_;
};

}  // namespace ebm::energies
