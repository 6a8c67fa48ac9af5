// A noise-conditional neural energy: E(x; σ) = MLP([x, log σ])/σ (or its preconditioned form for
// standardised data, below). The network sees the level as an
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
  /// With `preconditioned`, for data whose columns have unit scale (standardised), the network
  /// sees the input scaled to unit scale at every level and a Gaussian energy carries the data's
  /// second moments: E(x; σ) = MLP([c·x, log σ])/σ + ½c²‖x‖², c = 1/√(1 + σ²) (Karras et al. 2022's
  /// input scaling; the Gaussian term is the energy of N(0, I) perturbed by σ).
  NoiseConditionalMLPEnergy(std::vector<int64_t> sizes, nn::Activation activation = nn::Activation::SiLU,
                            Generator& generator = default_generator(), DType dtype = DType::Float32, Device device = Device::CPU,
                            FourierFeatures features = {}, bool features_averaged_over_noise = true, bool preconditioned = false);
  /// Makes energy(x) = MLP([x, log sigma])/sigma (preconditioned: the form above at sigma);
  /// throws std::invalid_argument unless sigma is finite and > 0.
  void set_noise_level(double sigma) override;
  double noise_level() const { return sigma_; }
  bool preconditioned() const { return preconditioned_; }

  Tensor energy(const Tensor& x) const override;
  // The network's derivatives along x only (the level's column is held fixed), divided by σ.
  std::pair<Tensor, Tensor> energy_and_gradient(const Tensor& x) const override;
  std::pair<Tensor, Tensor> gradient_and_laplacian(const Tensor& x) const override;
  std::pair<Tensor, Tensor> directional_derivatives(const Tensor& x, const Tensor& directions) const override;

 private:
  /// [c·x, log σ] (or [γ(c·x), log σ]) for x [N, D], checked.
  Tensor with_level(const Tensor& x) const;
  /// The network's input scale c: 1/√(1 + σ²) when preconditioned, else 1.
  double input_scale() const;
  /// The Gaussian term ½c²‖x‖² [N] when preconditioned, else undefined.
  Tensor gaussian_energy(const Tensor& x) const;

  double sigma_ = 1.0;
  bool features_averaged_over_noise_;
  bool preconditioned_;
};

}  // namespace ebm::energies
