// A neural energy: E(x) = MLP(x) with a final width of 1, or E(x) = MLP(γ(x)) with random Fourier
// features of x.
#pragma once

#include "energies/energy_function.hpp"
#include "nn/mlp.hpp"

namespace ebm::energies {

/// Random Fourier features of the input (Tancik et al. 2020): the network sees
/// γ(x) = [x, cos(2πxBᵀ), sin(2πxBᵀ)] instead of x, with fixed frequencies B [count, D] whose
/// entries are drawn N(0, scale²) (cycles per unit of x). The features let the network form detail
/// at the scale 1/scale, which an MLP on x alone learns only slowly (spectral bias); x itself keeps
/// the coarse shape, the confining bowl far from the data, within reach. Derivation:
/// docs/energies.md.
struct FourierFeatures {
  int64_t count = 0;   // F; 0: the network sees x itself
  double scale = 1.0;  // the std of B's entries
};

class MLPEnergy : public EnergyFunction {
 public:
  /// sizes = {D, hidden…, 1}; the last size must be 1. With features.count = F > 0 the network's
  /// input is D + 2F wide; B is drawn from `generator` before the network's weights.
  MLPEnergy(std::vector<int64_t> sizes, nn::Activation activation = nn::Activation::SiLU,
            Generator& generator = default_generator(), DType dtype = DType::Float32, Device device = Device::CPU,
            FourierFeatures features = {});
  Tensor energy(const Tensor& x) const override;
  MLPEnergy& to(Device device) override;
  /// Through the recorded forward and backward passes when derivatives_recorded(*this, x) (losses
  /// differentiate the result); otherwise from nn::MLP::output_and_input_gradient, with nothing
  /// recorded (samplers): the same values.
  std::pair<Tensor, Tensor> energy_and_gradient(const Tensor& x) const override;
  /// From the network's forward Laplacian (nn::MLP::forward_laplacian) instead of D backward
  /// passes: the same values, fewer matrix products. With Fourier features, as the directional
  /// derivatives along the D unit vectors.
  std::pair<Tensor, Tensor> gradient_and_laplacian(const Tensor& x) const override;
  /// From nn::MLP::forward_jet: the directions are carried forward with the values, through the
  /// Fourier features too.
  std::pair<Tensor, Tensor> directional_derivatives(const Tensor& x, const Tensor& directions) const override;
  std::vector<Tensor> parameters() const override { return network_.parameters(); }
  const nn::MLP& network() const { return network_; }
  /// The Fourier frequencies B [F, D]; undefined when the network sees x itself.
  Tensor frequencies() const;

 protected:
  /// For subclasses whose network takes `extra_inputs` columns after x's (or γ(x)'s).
  MLPEnergy(std::vector<int64_t> sizes, int64_t extra_inputs, nn::Activation activation, Generator& generator, DType dtype,
            Device device, FourierFeatures features);
  /// Throws std::invalid_argument unless x is [N, D] with the energy's D.
  void check_input(const Tensor& x) const;
  /// What the network sees of x: γ(x) with Fourier features, x itself otherwise, followed by the
  /// columns of `extra` [N, k] when it is defined (one cat for all of them).
  Tensor network_input(const Tensor& x, const Tensor& extra = Tensor()) const;
  /// network_input(x) with its derivatives along directions v [M, N, D], packed as
  /// nn::MLP::forward_jet takes them: [γ, γ′v₁ … γ′v_M, Σₘ γ″(vₘ, vₘ)]. Along v, u = 2πxBᵀ moves by
  /// u′ = 2πvBᵀ, so cos u by −sin u ⊙ u′ (second: −cos u ⊙ u′²) and sin u by cos u ⊙ u′ (−sin u ⊙ u′²).
  Tensor input_jet(const Tensor& x, const Tensor& directions) const;
  /// ∇ₓE [N, D] and ΔE [N] from directional_derivatives along the D unit vectors.
  std::pair<Tensor, Tensor> gradient_and_laplacian_along_units(const Tensor& x) const;
  /// ∇ₓ from g, the gradient with respect to input = network_input(x, extra) (any extra columns
  /// are left out): ∂/∂x = g_x + (g_sin ⊙ a cos u − g_cos ⊙ a sin u)·2πB, with a cos u and a sin u
  /// read from the input's columns, not computed again; g_x alone without features.
  Tensor gradient_through_input(const Tensor& input, const Tensor& input_gradient) const;
  /// (a cos u, a sin u) for u = 2πxBᵀ [N, F]; a = 1 unless average_features_over_noise set it.
  std::pair<Tensor, Tensor> features(const Tensor& u) const;
  /// Scales feature k by a_k = exp(−½σ²‖2πb_k‖²), the factor by which averaging over noise
  /// N(0, σ²I) shrinks it: E_ε cos(ωᵀ(x + σε)) = e^{−σ²‖ω‖²/2} cos ωᵀx (and the same for sin).
  /// Without features it does nothing.
  void average_features_over_noise(double sigma);

 private:
  int64_t dimension_;
  Tensor angular_frequencies_;  // 2πB, so that u = x·(2πB)ᵀ is one product; undefined without features
  Tensor amplitudes_;           // a [F] from average_features_over_noise; undefined: a = 1
  nn::MLP network_;
};

}  // namespace ebm::energies
